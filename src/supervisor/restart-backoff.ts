/** How a crashed runner comes back (DESIGN.md, "Runner lifecycle"); every field has a config key. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A runner up this long before it crashed starts its count again. */
  resetAfterMs: number;
  /** Consecutive crashes from which the runner is in `crashloop` (still retried, at the ceiling). */
  crashloopAfter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 100,
  maxMs: 30_000,
  resetAfterMs: 60_000,
  crashloopAfter: 5,
};

/**
 * The wait before restart number `consecutiveCrashes`: none after the first crash, then the initial delay
 * doubling up to the ceiling, and the ceiling itself once in crashloop.
 */
export function computeRestartDelay(consecutiveCrashes: number, policy: BackoffPolicy): number {
  if (consecutiveCrashes <= 1) return 0;
  if (consecutiveCrashes >= policy.crashloopAfter) return policy.maxMs;
  return Math.min(policy.maxMs, policy.initialMs * 2 ** (consecutiveCrashes - 2));
}
