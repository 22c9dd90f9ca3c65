import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../util/process-identity.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';

export { isAlive };

/** The pid file names a live daemon (one serving another socket but sharing this pid file). */
export class PidFileInUseError extends Error {
  override readonly name = 'PidFileInUseError';
  readonly code = 'PID_FILE_IN_USE';
}

/**
 * Writes our pid, replacing a stale file left by a daemon that crashed. Called once our socket is bound, so no
 * daemon answers on it; a live daemon named by the file therefore serves another socket and is refused.
 * Returns the stale pid it replaced, if any.
 */
export async function claimPidFile(file: string): Promise<number | undefined> {
  const previous = readPid(file);
  if (previous !== undefined && previous !== process.pid && isLiveDaemon(previous)) {
    throw new PidFileInUseError(
      `${file} names a running daemon (pid ${previous}); give this daemon its own daemon.pid_file and daemon.socket_path`,
    );
  }
  await writeFileAtomic(file, `${process.pid}\n`, 0o644);
  return previous === process.pid ? undefined : previous;
}

/** Removes the pid file if it is still ours (a newer daemon may have claimed it). */
export function releasePidFile(file: string): void {
  if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
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
