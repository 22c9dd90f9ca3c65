import { closest } from 'fastest-levenshtein';
import type { Config, SyncJob } from '../config/schema.js';

/** A job id the config does not define; it names the ids there are, and the closest, for the caller to suggest. */
export class UnknownJobError extends Error {
  override readonly name = 'UnknownJobError';
  readonly code = 'UNKNOWN_JOB';
  readonly closestId: string | undefined;
  constructor(
    readonly jobId: string,
    readonly knownIds: readonly string[],
  ) {
    super(
      knownIds.length === 0
        ? `no sync job "${jobId}": the config defines no sync jobs`
        : `no sync job "${jobId}" in the config`,
    );
    this.closestId = knownIds.length === 0 ? undefined : closest(jobId, [...knownIds]);
  }
}

/** The job with this id, or an UnknownJobError. */
export function findJob(config: Config, id: string): SyncJob {
  const job = config.sync_jobs.find((candidate) => candidate.id === id);
  if (job) return job;
  throw new UnknownJobError(
    id,
    config.sync_jobs.map((candidate) => candidate.id),
  );
}
