import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DaemonReady } from '../supervisor/run-daemon.js';
import { ReportedFailure } from './command-failure.js';
import { DaemonCommandError } from './daemon-command-error.js';
import { parseStartReport, START_REPORT_ENV } from './start-report.js';

export interface DetachedStart {
  /** runners/supervisor.js of this installation. */
  entry: string;
  configFile: string;
  socketPath?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
  pocketbaseUrl?: string | undefined;
  /** daemon.log_file: the daemon writes its records there itself; what it prints on stderr goes beside it. */
  logFile: string;
  timeoutMs?: number;
}

/**
 * Starts the daemon (runners/supervisor.js, `start --foreground` without the CLI around it) in a new session and
 * waits for it to report over IPC: ready (socket answering, runners started) or failed with its own error. The
 * daemon then lives on alone, writing its records to its log file; its stderr (what bypasses the logger: a
 * fatal error of Node.js itself) is appended to `<log file>.stderr`, a file that rotation never renames.
 */
export function startDetached(options: DetachedStart): Promise<DaemonReady> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true, mode: 0o700 });
  const stderrFile = daemonStderrFile(options.logFile);
  const stderr = fs.openSync(stderrFile, 'a', 0o600);
  const args = [options.entry, '--config', options.configFile];
  if (options.socketPath) args.push('--socket', options.socketPath);
  if (options.logLevel) args.push('--log-level', options.logLevel);
  if (options.logFormat) args.push('--log-format', options.logFormat);
  if (options.pocketbaseUrl) args.push('--pocketbase-url', options.pocketbaseUrl);
  const child = spawn(process.execPath, args, {
    detached: true,
    // Every path it is given is absolute; a daemon must not keep the starter's folder (or its mount) busy.
    cwd: '/',
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
    env: { ...process.env, [START_REPORT_ENV]: '1' },
  });
  fs.closeSync(stderr);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise<DaemonReady>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new DaemonCommandError(
          'START_FAILED',
          `the daemon (pid ${child.pid}) did not report within ${timeoutMs / 1000}s; see ${options.logFile}`,
        ),
      );
    }, timeoutMs);
    child.on('message', (message: unknown) => {
      const report = parseStartReport(message);
      if (!report) return;
      done();
      if (report.type === 'started') resolve(report.ready);
      else reject(new ReportedFailure(report.failure));
    });
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      done();
      reject(
        new DaemonCommandError(
          'START_FAILED',
          `the daemon exited (${signal ?? `code ${code}`}) before it was ready:\n${[tailOf(stderrFile), tailOf(options.logFile)].filter(Boolean).join('\n') || `  (nothing in ${options.logFile})`}`,
        ),
      );
    });
  });
}

/** Where a detached daemon's stderr goes. */
export function daemonStderrFile(logFile: string): string {
  return `${logFile}.stderr`;
}

/** The last lines of a file, indented; empty when there are none. */
function tailOf(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd();
    if (!text) return '';
    const lines = text.split('\n');
    return lines
      .slice(-5)
      .map((line) => `  ${line}`)
      .join('\n');
  } catch {
    return '';
  }
}
