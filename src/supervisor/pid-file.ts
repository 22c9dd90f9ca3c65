import fs from 'node:fs';
import path from 'node:path';
import {
  currentProcessIdentity,
  isAlive,
  isProcessIdentity,
  type ProcessIdentity,
} from '../util/process-identity.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

export { isAlive };

/** The pid file names a live daemon (one serving another socket but sharing this pid file). */
export class PidFileInUseError extends Error {
  override readonly name = 'PidFileInUseError';
  readonly code = 'PID_FILE_IN_USE';
}

/**
 * Who wrote a pid file: its identity (a pid alone may be reused by another process) and the socket it serves.
 * Kept beside the pid file, in `<pid_file>.json`, so that the pid file holds only the pid, as tools expect.
 */
export interface DaemonRecord extends ProcessIdentity {
  socketPath: string;
}

function daemonRecordFile(pidFile: string): string {
  return `${pidFile}.json`;
}

/**
 * Writes our pid, replacing a stale file left by a daemon that crashed. Called once our socket is bound, so no
 * daemon answers on it; a live daemon named by the file therefore serves another socket and is refused.
 * Returns the stale pid it replaced, if any. Our record goes first: a pid file never names us without it.
 */
export async function claimPidFile(file: string, socketPath: string): Promise<number | undefined> {
  const previous = readPid(file);
  if (previous !== undefined && previous !== process.pid && isLiveDaemon(previous)) {
    throw new PidFileInUseError(
      `${file} names a running daemon (pid ${previous}); give this daemon its own daemon.pid_file and daemon.socket_path`,
    );
  }
  const record: DaemonRecord = { ...currentProcessIdentity(), socketPath };
  await writeFileAtomic(daemonRecordFile(file), `${JSON.stringify(record)}\n`, 0o644);
  await writeFileAtomic(file, `${process.pid}\n`, 0o644);
  return previous === process.pid ? undefined : previous;
}

/** Removes the pid file if it is still ours (a newer daemon may have claimed it). */
export function releasePidFile(file: string): void {
  removePidFile(file, process.pid);
}

/** Removes the pid file and its record if the file still names `pid`; returns whether it did. */
export function removePidFile(file: string, pid: number): boolean {
  if (readPid(file) !== pid) return false;
  fs.rmSync(daemonRecordFile(file), { force: true });
  fs.rmSync(file, { force: true });
  return true;
}

export function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** The record beside a pid file, checked field by field (another program may have written it); else undefined. */
export function readDaemonRecord(pidFile: string): DaemonRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(daemonRecordFile(pidFile), 'utf8'));
  } catch {
    return undefined;
  }
  return isProcessIdentity(value) && typeof (value as Partial<DaemonRecord>).socketPath === 'string'
    ? (value as DaemonRecord)
    : undefined;
}

// After a crash the pid may belong to an unrelated process by now; where /proc tells, only a daemon counts.
function isLiveDaemon(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const detached = commandLine.some((argument) => argument.endsWith(`runners${path.sep}supervisor.js`));
    const foreground = commandLine.includes('--foreground') || commandLine.includes('-f');
    return detached || (commandLine.includes('start') && foreground);
  } catch {
    return process.platform !== 'linux';
  }
}
