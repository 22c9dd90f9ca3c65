import { ExitCode } from './exit-codes.js';

/** A daemon command that could not do what it was asked (the daemon already runs, will not stop). */
export class DaemonCommandError extends Error {
  override readonly name = 'DaemonCommandError';
  readonly exitCode: number;
  readonly suggestions: string[];

  constructor(
    readonly code:
      | 'ALREADY_RUNNING'
      | 'DAEMON_NOT_ANSWERING'
      | 'STOP_TIMEOUT'
      | 'STOP_FAILED'
      | 'START_FAILED'
      | 'PID_FILE_MISSING'
      | 'PID_FILE_STALE'
      | 'PID_NOT_DAEMON',
    message: string,
    { exitCode = ExitCode.failure, suggestions = [] }: { exitCode?: number; suggestions?: string[] } = {},
  ) {
    super(message);
    this.exitCode = exitCode;
    this.suggestions = suggestions;
  }
}
