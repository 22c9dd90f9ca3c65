import type { SyncStats } from './types.js';

/** How many of a run's errors a list of `shown` leaves out: `stats.errors` counts them all. */
export function omittedErrors(stats: Pick<SyncStats, 'errors'>, shown: number): number {
  return Math.max(0, stats.errors - shown);
}
