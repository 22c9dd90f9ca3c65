import type { DaemonReady } from '../supervisor/run-daemon.js';
import type { CommandFailure } from './command-failure.js';

/** Set by a detached `start` for the daemon it spawns: report over IPC whether it came up. */
export const START_REPORT_ENV = 'SYNC_DAEMON_START_REPORT';

export type StartReport =
  | { type: 'started'; ready: DaemonReady }
  | { type: 'failed'; failure: CommandFailure };

/** Checks what the spawned daemon reported; anything else is undefined (and the starter keeps waiting). */
export function parseStartReport(value: unknown): StartReport | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const report = value as Record<string, unknown>;
  if (report.type === 'started') {
    const ready = report.ready as Record<string, unknown> | undefined;
    const valid =
      typeof ready?.pid === 'number' &&
      ['socketPath', 'pidFile', 'logFile', 'configFile'].every((key) => typeof ready[key] === 'string');
    return valid ? (value as StartReport) : undefined;
  }
  if (report.type === 'failed') {
    const failure = report.failure as Record<string, unknown> | undefined;
    const valid =
      typeof failure?.message === 'string' &&
      typeof failure.code === 'string' &&
      typeof failure.exitCode === 'number' &&
      Array.isArray(failure.suggestions);
    return valid ? (value as StartReport) : undefined;
  }
  return undefined;
}

/** The daemon's end: present only when a detached `start` is waiting to hear from it. */
export function takeStartReporter(): ((report: StartReport) => void) | undefined {
  const wanted = process.env[START_REPORT_ENV] === '1';
  // Not passed on: runners and anything they start must not think a starter waits for them.
  delete process.env[START_REPORT_ENV];
  const send = process.send?.bind(process);
  if (!wanted || !send) return undefined;
  return (report) => {
    // The starter may have given up and gone (its timeout, a Ctrl-C): the daemon carries on regardless.
    if (!process.connected) return;
    send(report, () => {
      // Once told, the starter exits; the channel must not keep either process waiting.
      if (process.connected) process.disconnect();
    });
  };
}
