import fs from 'node:fs/promises';
import path from 'node:path';
import { detectConfigFormat } from './config-format.js';
import { getDefaultPaths } from './default-paths.js';
import { parseConfigText } from './parse-config-text.js';
import { resolvePath } from './resolve-config-paths.js';

/**
 * `daemon.socket_path` of a config file, read without validating the rest: commands that only talk to the
 * daemon (status, stop) stay fast, and still work while the file is being edited. A missing file means the
 * default socket; a syntax error is thrown, with its position.
 */
export async function readSocketPath(
  configFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(configFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return getDefaultPaths(env).socketFile;
    return readThroughLoader(configFile, env);
  }
  const format = detectConfigFormat(configFile);
  if (!format) return readThroughLoader(configFile, env);
  const data = (await parseConfigText(text, format, configFile)) as {
    daemon?: { socket_path?: unknown };
  };
  const value = data.daemon?.socket_path;
  if (typeof value === 'string' && value.trim() !== '')
    return resolvePath(value.trim(), path.dirname(configFile));
  return getDefaultPaths(env).socketFile;
}

// Anything unusual (unreadable, unknown extension): the full loader says what is wrong in its own words.
async function readThroughLoader(configFile: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { loadConfigFile } = await import('./load-config.js');
  return (await loadConfigFile(configFile, env)).config.daemon.socket_path;
}
