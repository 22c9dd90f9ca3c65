import os from 'node:os';
import path from 'node:path';
import type { Config } from './schema.js';

/** Makes every path absolute: relative ones against the config file's folder (so a config can travel with its data), `~` against $HOME. */
export function resolveConfigPaths(config: Config, configFile: string): Config {
  const base = path.dirname(path.resolve(configFile));
  const resolve = (value: string): string => resolvePath(value, base);
  const jobs = config.sync_jobs.map((job) => ({
    ...job,
    source_path: resolve(job.source_path),
    destination_path: resolve(job.destination_path),
    sync_options: {
      ...job.sync_options,
      ...(job.sync_options.trash_dir === undefined ? {} : { trash_dir: resolve(job.sync_options.trash_dir) }),
    },
  }));
  const sourceByJob = new Map(jobs.map((job) => [job.id, job.source_path]));
  const watchers = config.file_watchers.map((watcher) => {
    const watchPath = watcher.watch_path ?? sourceByJob.get(watcher.sync_job_id);
    return watchPath === undefined ? watcher : { ...watcher, watch_path: resolve(watchPath) };
  });
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

/** A config path made absolute: `~` against $HOME, anything else against `base`. */
export function resolvePath(value: string, base: string): string {
  if (value === '~') return os.homedir();
  if (value.startsWith('~/')) return path.join(os.homedir(), value.slice(2));
  return path.resolve(base, value);
}
