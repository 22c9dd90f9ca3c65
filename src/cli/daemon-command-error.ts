/** A daemon command that could not do what it was asked (the daemon already runs, will not stop). */
export class DaemonCommandError extends Error {
  override readonly name = 'DaemonCommandError';
  constructor(
    readonly code:
      | 'ALREADY_RUNNING'
      | 'DAEMON_NOT_ANSWERING'
      | 'STOP_TIMEOUT'
      | 'STOP_FAILED'
      | 'START_FAILED',
    message: string,
  ) {
    super(message);
  }
}
