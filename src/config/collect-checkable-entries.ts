import path from 'node:path';
import type { Indexed, RuleInput } from './check-config-rules.js';
import { resolveJobPaths, resolveWatcherPath, sourceByJobId } from './resolve-config-paths.js';
import { type FileWatcher, fileWatcherSection, idSchema, type SyncJob, syncJobSection } from './schema.js';

/**
 * From a config that failed its key checks, the entries each cross-key check can still trust: a duplicate id or
 * a dangling watcher is worth reporting beside a job whose `source_path` is a number (README: every problem).
 */
export function collectCheckableEntries(data: unknown, configFile: string): RuleInput {
  const base = path.dirname(path.resolve(configFile));
  const rawJobs = listAt(data, 'sync_jobs');
  const rawWatchers = listAt(data, 'file_watchers');
  const jobIds = validIds(rawJobs ?? [], 'id');
  const jobs = validEntries(rawJobs ?? [], (raw) => syncJobSection.safeParse(raw)).map(
    ({ index, value }): Indexed<SyncJob> => ({ index, value: resolveJobPaths(value, base) }),
  );
  const sourceByJob = sourceByJobId(jobs.map(({ value }) => value));
  const watchers = validEntries(rawWatchers ?? [], (raw) => fileWatcherSection.safeParse(raw)).map(
    ({ index, value }): Indexed<FileWatcher> => ({
      index,
      value: resolveWatcherPath(value, sourceByJob, base),
    }),
  );
  // A watcher's job may be one whose id is broken: only when every job has a valid id is a reference dangling.
  const everyJobIdKnown = rawJobs !== undefined && jobIds.length === rawJobs.length;
  return {
    jobIds,
    watcherIds: validIds(rawWatchers ?? [], 'id'),
    knownJobIds: everyJobIdKnown ? jobIds.map(({ value }) => value) : undefined,
    watcherJobIds: validIds(rawWatchers ?? [], 'sync_job_id'),
    jobs,
    watchers,
  };
}

/** The list under `key`: [] when the key is absent (its default), undefined when it is not a list. */
function listAt(data: unknown, key: string): unknown[] | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const value = (data as Record<string, unknown>)[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : undefined;
}

function validIds(entries: unknown[], key: string): Indexed<string>[] {
  return validEntries(entries, (raw) =>
    idSchema.safeParse(
      typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined,
    ),
  );
}

function validEntries<T>(
  entries: unknown[],
  parse: (raw: unknown) => { success: true; data: T } | { success: false },
): Indexed<T>[] {
  return entries.flatMap((raw, index) => {
    const parsed = parse(raw);
    return parsed.success ? [{ index, value: parsed.data }] : [];
  });
}
