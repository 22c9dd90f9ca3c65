import { killTree } from '../util/kill-tree.js';
import { isAlive } from '../util/process-identity.js';
import { DaemonCommandError } from './daemon-command-error.js';

/** How long a daemon told to stop may take: two stop timeouts (message, then SIGTERM to its runners) and a margin. */
export function stopWaitSecs(stopTimeoutSecs: number): number {
  return 2 * stopTimeoutSecs + 5;
}

/** How long a process killed with SIGKILL may take to be gone. */
export const KILL_WAIT_MS = 5000;

/** Whether the process is gone by the deadline (a Date.now() time). */
export async function isGoneBy(pid: number, deadline: number): Promise<boolean> {
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/**
 * Waits for a daemon told to stop; past its wait, `beforeKill` is told (it may refuse by throwing), then the
 * daemon and its runners are killed. Says whether it was killed; throws STOP_FAILED if it survives that too.
 */
export async function awaitStopOrKill(
  pid: number,
  stopTimeoutSecs: number,
  beforeKill: (waitedSecs: number) => void,
): Promise<boolean> {
  const waitSecs = stopWaitSecs(stopTimeoutSecs);
  if (await isGoneBy(pid, Date.now() + waitSecs * 1000)) return false;
  beforeKill(waitSecs);
  killTree(pid);
  if (await isGoneBy(pid, Date.now() + KILL_WAIT_MS)) return true;
  throw new DaemonCommandError('STOP_FAILED', `the daemon (pid ${pid}) survived SIGKILL`);
}
