/** A user-facing error raised by commands for bad usage they detect themselves (not flag parsing). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  constructor(
    message: string,
    readonly suggestions: string[] = [],
  ) {
    super(message);
  }
}
