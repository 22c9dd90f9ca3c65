import { asStopReply } from '../control/check-replies.js';
import { ControlError, callDaemon } from '../control/control-client.js';
import { DaemonCommandError } from './daemon-command-error.js';
import { type ForcedStop, type PidFileSettings, stopByPidFile } from './stop-by-pid-file.js';
import { awaitStopOrKill } from './wait-for-exit.js';

export interface StopOutcome {
  pid: number;
  /** True when --force had to kill the daemon's tree. */
  killed: boolean;
  /** `stop --force` on a daemon that did not answer: the pid file that named it, and what was done, in order. */
  forced?: ForcedStop['forced'];
}

export interface StopOptions {
  force?: boolean;
  /** The config's pid file and stop timeout, read only when --force cannot reach the daemon on its socket. */
  pidFileSettings?: () => Promise<PidFileSettings>;
  /** Hears each step of a forced stop as it is taken (the waits can be long). */
  onAction?: (action: string) => void;
}

// With --force, a daemon that does not answer this soon is taken as hung, as `start` judges it.
const FORCE_ANSWER_TIMEOUT_MS = 5000;

/**
 * Asks the daemon to stop and waits until its process is gone. The daemon's own stop sequence can take two stop
 * timeouts per runner (message, then SIGTERM); past that and a margin, `force` kills the whole tree. With
 * `force`, a daemon that does not answer on its socket (hung, or its socket file removed) is found by its pid
 * file instead (stop-by-pid-file).
 */
export async function stopDaemon(
  socketPath: string,
  { force = false, pidFileSettings, onAction = () => undefined }: StopOptions = {},
): Promise<StopOutcome> {
  let reply: { pid: number; stopTimeoutSecs: number };
  try {
    reply = asStopReply(
      await callDaemon(socketPath, 'stop', {}, force ? { timeoutMs: FORCE_ANSWER_TIMEOUT_MS } : {}),
    );
  } catch (error) {
    if (!force || !pidFileSettings || !(error instanceof ControlError)) throw error;
    return stopByPidFile(socketPath, error, await pidFileSettings(), onAction);
  }
  const { pid, stopTimeoutSecs } = reply;
  const killed = await awaitStopOrKill(pid, stopTimeoutSecs, (waitedSecs) => {
    if (force) return;
    throw new DaemonCommandError(
      'STOP_TIMEOUT',
      `the daemon (pid ${pid}) is still stopping after ${waitedSecs}s; stop --force kills it`,
    );
  });
  return { pid, killed };
}
