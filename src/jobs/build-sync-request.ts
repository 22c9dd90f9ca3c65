import path from 'node:path';
import type { Config, SyncJob } from '../config/schema.js';
import type { SyncRequest } from '../engine/types.js';

/** Where a job's content hashes persist between runs (`enable_persistent_cache`). */
function metadataCacheFileOf(config: Config, job: SyncJob): string {
  return path.join(config.cache.cache_dir, 'metadata', `${job.id}.json`);
}

/** Turns a job of the config into what the engine needs; the engine itself never reads config. */
export function buildSyncRequest(
  config: Config,
  job: SyncJob,
  overrides: Pick<SyncRequest, 'signal' | 'onProgress' | 'onPlanEntry'> & { dryRun?: boolean } = {},
): SyncRequest {
  const options = job.sync_options;
  return {
    source: job.source_path,
    destination: job.destination_path,
    filters: job.filters,
    ignoreHiddenFiles: options.ignore_hidden_files,
    comparison: options.comparison_method,
    preservePermissions: options.preserve_permissions,
    preserveTimestamps: options.preserve_timestamps,
    deleteExtraneous: options.delete_destination_files,
    ...(options.max_delete === undefined ? {} : { maxDelete: options.max_delete }),
    ...(options.trash_dir === undefined ? {} : { trashDir: options.trash_dir }),
    ...(options.source_marker === undefined ? {} : { sourceMarker: options.source_marker }),
    trashRetentionDays: options.trash_retention_days,
    fsync: options.fsync,
    dryRun: overrides.dryRun === true || options.dry_run,
    maxFileOperations: config.concurrency.max_file_operations,
    ...(config.cache.enable_persistent_cache ? { metadataCacheFile: metadataCacheFileOf(config, job) } : {}),
    metadataCacheTtlMs: config.cache.file_metadata_cache_ttl_secs * 1000,
    ...(overrides.signal ? { signal: overrides.signal } : {}),
    ...(overrides.onProgress ? { onProgress: overrides.onProgress } : {}),
    ...(overrides.onPlanEntry ? { onPlanEntry: overrides.onPlanEntry } : {}),
  };
}
