import type { Config, SyncJob } from '../config/schema.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import { buildSyncRequest } from './build-sync-request.js';

/** What a job's runner is started with: the engine request without the per-run parts, and where to lock. */
export function runnerJobOf(config: Config, job: SyncJob, lockDir: string): RunnerJob {
  const { dryRun: _dryRun, ...request } = buildSyncRequest(config, job);
  return { id: job.id, lockDir, ...request };
}
