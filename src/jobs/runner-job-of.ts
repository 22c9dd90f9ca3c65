import type { Config, SyncJob } from '../config/schema.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import type { WatcherSettings } from '../watch/watcher-settings.js';
import { buildSyncRequest } from './build-sync-request.js';

/** What a job's runner is started with: the engine request without the per-run parts, where to lock, its watchers. */
export function runnerJobOf(config: Config, job: SyncJob, lockDir: string): RunnerJob {
  const { dryRun: _dryRun, ...request } = buildSyncRequest(config, job);
  return {
    id: job.id,
    lockDir,
    watchers: watchersOf(config, job),
    logLevel: config.daemon.log_level,
    ...request,
  };
}

function watchersOf(config: Config, job: SyncJob): WatcherSettings[] {
  return config.file_watchers
    .filter((watcher) => watcher.enabled && watcher.sync_job_id === job.id)
    .map((watcher) => ({
      id: watcher.id,
      // Filled in with the job's source by resolve-config-paths when the config leaves it out.
      path: watcher.watch_path ?? job.source_path,
      recursive: watcher.recursive,
      debounceMs: watcher.debounce_ms,
      events: watcher.watch_events,
      backend: watcher.backend,
      pollIntervalMs: watcher.poll_interval_ms,
      fullRescanIntervalSecs: watcher.full_rescan_interval_secs,
    }));
}
