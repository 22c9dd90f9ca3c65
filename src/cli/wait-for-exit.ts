import { isAlive } from '../util/process-identity.js';

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
