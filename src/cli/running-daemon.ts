import { asDaemonStatus } from '../control/check-replies.js';
import { ControlError, callDaemon } from '../control/control-client.js';
import type { DaemonStatus } from '../control/daemon-api.js';
import { DaemonCommandError } from './daemon-command-error.js';

/**
 * The status of the daemon on `socketPath`, or undefined only when none runs there (`NOT_RUNNING`: no socket, or
 * nobody listening). A daemon that times out, closes the connection or answers badly is still a daemon: that
 * throws, so that no caller takes it for "not running" and starts a second one beside it.
 */
export async function findRunningDaemon(
  socketPath: string,
  options: { timeoutMs?: number } = {},
): Promise<DaemonStatus | undefined> {
  try {
    return asDaemonStatus(await callDaemon(socketPath, 'status', {}, options));
  } catch (error) {
    if (error instanceof ControlError && error.code === 'NOT_RUNNING') return undefined;
    throw new DaemonCommandError(
      'DAEMON_NOT_ANSWERING',
      `the daemon on ${socketPath} did not answer its status (${(error as Error).message}); ` +
        'nothing was stopped or started. If it is hung, end it with "sync-daemon stop --force" (which finds it by its pid file) and try again',
    );
  }
}
