import fs from 'node:fs/promises';
import path from 'node:path';
import { detectConfigFormat } from './config-format.js';
import { DEFAULT_STOP_TIMEOUT_SECS } from './daemon-defaults.js';
import { getDefaultPaths } from './default-paths.js';
import { parseConfigText } from './parse-config-text.js';
import { resolvePath } from './resolve-config-paths.js';

/** The keys of `[daemon]` that find and stop a running daemon. */
export interface DaemonLocation {
  socketPath: string;
  pidFile: string;
  stopTimeoutSecs: number;
}

/**
 * `daemon.socket_path` of a config file, read without validating the rest: commands that only talk to the
 * daemon (status, stop) stay fast, and still work while the file is being edited.
 */
export async function readSocketPath(
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return (await readDaemonLocation(configFile, env)).socketPath;
}

/**
 * Where a daemon of a config file answers and keeps its pid, read without validating the rest, so that a job
 * being edited never stops `stop --force`. A key that is absent or not of its type has its default; a missing
 * file means every default; a syntax error is thrown, with its position.
 */
export async function readDaemonLocation(
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DaemonLocation> {
  const defaults = {
    socketPath: getDefaultPaths(env).socketFile,
    pidFile: getDefaultPaths(env).pidFile,
    stopTimeoutSecs: DEFAULT_STOP_TIMEOUT_SECS,
  };
  let text: string;
  try {
    text = await fs.readFile(configFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaults;
    return readThroughLoader(configFile, env);
  }
  const format = detectConfigFormat(configFile);
  if (!format) return readThroughLoader(configFile, env);
  const data = (await parseConfigText(text, format, configFile)) as {
    daemon?: { socket_path?: unknown; pid_file?: unknown; stop_timeout_secs?: unknown };
  };
  const pathAt = (value: unknown, fallback: string) =>
    typeof value === 'string' && value.trim() !== ''
      ? resolvePath(value.trim(), path.dirname(configFile))
      : fallback;
  const timeout = data.daemon?.stop_timeout_secs;
  return {
    socketPath: pathAt(data.daemon?.socket_path, defaults.socketPath),
    pidFile: pathAt(data.daemon?.pid_file, defaults.pidFile),
    stopTimeoutSecs:
      Number.isInteger(timeout) && (timeout as number) > 0 ? (timeout as number) : defaults.stopTimeoutSecs,
  };
}

// Anything unusual (unreadable, unknown extension): the full loader says what is wrong in its own words.
async function readThroughLoader(configFile: string, env: NodeJS.ProcessEnv): Promise<DaemonLocation> {
  const { loadConfigFile } = await import('./load-config.js');
  const { daemon } = (await loadConfigFile(configFile, env)).config;
  return {
    socketPath: daemon.socket_path,
    pidFile: daemon.pid_file,
    stopTimeoutSecs: daemon.stop_timeout_secs,
  };
}
