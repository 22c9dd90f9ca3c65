/** A failure of one path: reported with the path and the run goes on (the run ends `partial`). */
export class SyncEntryError extends Error {
  override readonly name = 'SyncEntryError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A user-readable reason for any error met while handling a path. */
export function describeEntryError(error: unknown): { code: string; message: string } {
  if (error instanceof SyncEntryError) return { code: error.code, message: error.message };
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'vanished during the run',
    ENOSPC: 'no space left on the destination',
    EROFS: 'the destination is read-only',
    ENAMETOOLONG: 'name too long for the destination',
  };
  return { code, message: reasons[code] ?? (error as Error).message ?? String(error) };
}
