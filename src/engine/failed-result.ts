import { emptySyncStats } from './sync-progress-tracker.js';
import type { SyncResult } from './types.js';

/**
 * A run that failed outside the engine's own checks (a lock refused, a crash, a dead runner, a timeout), reported
 * like any other result.
 */
export function failedResult(code: string, message: string): SyncResult {
  return {
    outcome: 'failed',
    dryRun: false,
    stats: { ...emptySyncStats(), errors: 1 },
    errors: [{ path: '', code, message }],
    warnings: [],
  };
}

/** An exception is a bug: reported as a failed run, with its stack, rather than lost. */
export function describeCrash(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
