import os from 'node:os';
import path from 'node:path';
import type { Config, FileWatcher, SyncJob } from './schema.js';

/** Makes every path absolute: relative ones against the config file's folder (so a config can travel with its data), `~` against $HOME. */
export function resolveConfigPaths(config: Config, configFile: string): Config {
  const base = path.dirname(path.resolve(configFile));
  const resolve = (value: string): string => resolvePath(value, base);
  const jobs = config.sync_jobs.map((job) => resolveJobPaths(job, base));
  const sourceByJob = sourceByJobId(jobs);
  const watchers = config.file_watchers.map((watcher) => resolveWatcherPath(watcher, sourceByJob, base));
  return {
    ...config,
    daemon: {
      ...config.daemon,
      pid_file: resolve(config.daemon.pid_file),
      log_file: resolve(config.daemon.log_file),
      socket_path: resolve(config.daemon.socket_path),
    },
    cache: { ...config.cache, cache_dir: resolve(config.cache.cache_dir) },
    sync_jobs: jobs,
    file_watchers: watchers,
  };
}

/** A job's paths made absolute against `base` (see resolvePath). */
export function resolveJobPaths(job: SyncJob, base: string): SyncJob {
  const trash = job.sync_options.trash_dir;
  return {
    ...job,
    source_path: resolvePath(job.source_path, base),
    destination_path: resolvePath(job.destination_path, base),
    sync_options: {
      ...job.sync_options,
      ...(trash === undefined ? {} : { trash_dir: resolvePath(trash, base) }),
    },
  };
}

export function sourceByJobId(jobs: readonly SyncJob[]): ReadonlyMap<string, string> {
  return new Map(jobs.map((job) => [job.id, job.source_path]));
}

/** A watcher's `watch_path` made absolute, its job's source when it has none (jobs already resolved). */
export function resolveWatcherPath(
  watcher: FileWatcher,
  sourceByJob: ReadonlyMap<string, string>,
  base: string,
): FileWatcher {
  const watchPath = watcher.watch_path ?? sourceByJob.get(watcher.sync_job_id);
  return watchPath === undefined ? watcher : { ...watcher, watch_path: resolvePath(watchPath, base) };
}

/** A config path made absolute: `~` against $HOME, anything else against `base`. */
export function resolvePath(value: string, base: string): string {
  if (value === '~') return os.homedir();
  if (value.startsWith('~/')) return path.join(os.homedir(), value.slice(2));
  return path.resolve(base, value);
}
