import { asStopReply } from '../control/check-replies.js';
import { callDaemon } from '../control/control-client.js';
import { isAlive } from '../supervisor/pid-file.js';
import { killTree } from '../util/kill-tree.js';
import { DaemonCommandError } from './daemon-command-error.js';

export interface StopOutcome {
  pid: number;
  /** True when --force had to kill the daemon's tree. */
  killed: boolean;
}

/**
 * Asks the daemon to stop and waits until its process is gone. The daemon's own stop sequence can take two stop
 * timeouts per runner (message, then SIGTERM); past that and a margin, `force` kills the whole tree.
 */
export async function stopDaemon(socketPath: string, { force = false } = {}): Promise<StopOutcome> {
  const { pid, stopTimeoutSecs } = asStopReply(await callDaemon(socketPath, 'stop'));
  const deadline = Date.now() + (2 * stopTimeoutSecs + 5) * 1000;
  if (await gone(pid, deadline)) return { pid, killed: false };
  if (!force) {
    throw new DaemonCommandError(
      'STOP_TIMEOUT',
      `the daemon (pid ${pid}) is still stopping after ${2 * stopTimeoutSecs + 5}s; stop --force kills it`,
    );
  }
  killTree(pid);
  if (await gone(pid, Date.now() + 5000)) return { pid, killed: true };
  throw new DaemonCommandError('STOP_FAILED', `the daemon (pid ${pid}) survived SIGKILL`);
}

async function gone(pid: number, deadline: number): Promise<boolean> {
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}
