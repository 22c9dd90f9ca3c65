/** Why a service could not be installed or removed; what was written is undone first. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code:
      | 'SERVICE_USAGE'
      | 'NOT_ROOT'
      | 'NO_SYSTEMD'
      | 'SERVICE_EXISTS'
      | 'SERVICE_MISSING'
      | 'NO_WRAPPER'
      | 'UNSUPPORTED'
      | 'SERVICE_COMMAND_FAILED'
      | 'SERVICE_WRITE_FAILED',
    message: string,
    readonly suggestions: string[] = [],
  ) {
    super(message);
  }
}
