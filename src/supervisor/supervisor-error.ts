/** A control request the supervisor refuses; the code travels to the CLI in `{error: {code, message}}`. */
export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';
  constructor(
    readonly code:
      | 'UNKNOWN_JOB'
      | 'JOB_DISABLED'
      | 'JOB_PAUSED'
      | 'QUEUE_FULL'
      | 'DAEMON_STOPPING'
      | 'BAD_PARAMS',
    message: string,
  ) {
    super(message);
  }
}
