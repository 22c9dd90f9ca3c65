import { emptySyncStats } from '../engine/sync-progress-tracker.js';
import type { SyncResult } from '../engine/types.js';

/** A run that failed before or outside the engine (a lock refused, a crash), reported like any other result. */
export function failedResult(code: string, message: string): SyncResult {
  return {
    outcome: 'failed',
    dryRun: false,
    stats: { ...emptySyncStats(), errors: 1 },
    errors: [{ path: '', code, message }],
    warnings: [],
  };
}
