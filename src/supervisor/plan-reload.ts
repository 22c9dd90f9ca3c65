import type { SyncJob } from '../config/schema.js';

export interface ReloadPlan {
  added: SyncJob[];
  removed: string[];
  restarted: SyncJob[];
  unchanged: SyncJob[];
}

/**
 * Sorts the jobs of a new config against the running ones by fingerprint: only a job whose fingerprint changed
 * restarts, so a reload never disturbs the jobs it does not touch.
 */
export function planReload(
  running: ReadonlyMap<string, string>,
  nextJobs: readonly SyncJob[],
  fingerprintOf: (job: SyncJob) => string,
): ReloadPlan {
  const nextIds = new Set(nextJobs.map((job) => job.id));
  const plan: ReloadPlan = {
    added: [],
    removed: [...running.keys()].filter((id) => !nextIds.has(id)),
    restarted: [],
    unchanged: [],
  };
  for (const job of nextJobs) {
    const fingerprint = running.get(job.id);
    if (fingerprint === undefined) plan.added.push(job);
    else if (fingerprint === fingerprintOf(job)) plan.unchanged.push(job);
    else plan.restarted.push(job);
  }
  return plan;
}
