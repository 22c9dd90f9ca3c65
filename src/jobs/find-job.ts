import { closest } from 'fastest-levenshtein';
import { UsageError } from '../cli/usage-error.js';
import type { Config, SyncJob } from '../config/schema.js';

/** The job with this id, or a usage error that lists the ids there are. */
export function findJob(config: Config, id: string): SyncJob {
  const job = config.sync_jobs.find((candidate) => candidate.id === id);
  if (job) return job;
  const ids = config.sync_jobs.map((candidate) => candidate.id);
  if (ids.length === 0) throw new UsageError(`no sync job "${id}": the config defines no sync jobs`);
  throw new UsageError(`no sync job "${id}" in the config`, [
    `did you mean "${closest(id, ids)}"?`,
    `jobs: ${ids.join(', ')}`,
  ]);
}
