import path from 'node:path';
import { checkConfigRules } from '../config/check-config-rules.js';
import { describeSchemaIssue } from '../config/describe-schema-issue.js';
import { formatKeyPath } from '../config/format-key-path.js';
import { resolveJobPaths, resolvePath } from '../config/resolve-config-paths.js';
import { type Config, fileWatcherSection, type SyncJob, syncJobSection } from '../config/schema.js';
import { FILE_WATCHERS, SYNC_JOBS } from './collection-schemas.js';

/** A record as the SDK gives it: PocketBase's own `id`, and the collection's fields. */
export type PocketBaseRecord = { id: string } & Record<string, unknown>;

export interface MergedConfig {
  config: Config;
  /** A record skipped, each naming its id (`job_id` or `watcher_id`), its record id and what is wrong. */
  problems: string[];
  /** The jobs and watchers taken from PocketBase. */
  jobIds: string[];
  watcherIds: string[];
}

/**
 * Adds the jobs and watchers of PocketBase records to the file's config (DESIGN.md, "PocketBase"). Each record
 * goes through the same validator as the file and the same checks across keys; a record that fails is skipped
 * with an error naming it, and the rest run. A `job_id` or `watcher_id` the file already has is skipped (the
 * file wins); a job whose `host` names another daemon is left to it. Paths must be absolute (or `~/`): there
 * is no file to be relative to.
 */
export function mergePocketBase(
  file: Config,
  jobRecords: readonly PocketBaseRecord[],
  watcherRecords: readonly PocketBaseRecord[],
  host: string,
): MergedConfig {
  const problems: string[] = [];
  const fileJobs = new Set(file.sync_jobs.map((job) => job.id));
  const fileWatchers = new Set(file.file_watchers.map((watcher) => watcher.id));
  const jobs: { job: SyncJob; record: PocketBaseRecord }[] = [];
  for (const record of jobRecords) {
    const name = `sync_jobs record ${record.id} (job_id "${String(record.job_id ?? '')}")`;
    const recordHost = typeof record.host === 'string' ? record.host : '';
    if (recordHost !== '' && recordHost !== host) continue;
    const parsed = syncJobSection.safeParse(fieldsOf(record, SYNC_JOBS.fields, 'job_id'), {
      reportInput: true,
    });
    if (!parsed.success) {
      problems.push(`${name} skipped: ${describeIssues(parsed.error.issues, syncJobSection, 'job_id')}`);
      continue;
    }
    if (fileJobs.has(parsed.data.id)) {
      problems.push(`${name} skipped: the config file has a job "${parsed.data.id}" too (the file wins)`);
      continue;
    }
    const relative = [parsed.data.source_path, parsed.data.destination_path].find(
      (p) => !isAbsoluteOrHome(p),
    );
    if (relative !== undefined) {
      problems.push(`${name} skipped: "${relative}" must be an absolute path (or start with ~/)`);
      continue;
    }
    jobs.push({ job: resolveJobPaths(parsed.data, '/'), record });
  }
  const watchers: { watcher: Config['file_watchers'][number]; record: PocketBaseRecord }[] = [];
  for (const record of watcherRecords) {
    const name = `file_watchers record ${record.id} (watcher_id "${String(record.watcher_id ?? '')}")`;
    const parsed = fileWatcherSection.safeParse(fieldsOf(record, FILE_WATCHERS.fields, 'watcher_id'), {
      reportInput: true,
    });
    if (!parsed.success) {
      problems.push(
        `${name} skipped: ${describeIssues(parsed.error.issues, fileWatcherSection, 'watcher_id')}`,
      );
      continue;
    }
    if (fileWatchers.has(parsed.data.id)) {
      problems.push(`${name} skipped: the config file has a watcher "${parsed.data.id}" too (the file wins)`);
      continue;
    }
    watchers.push({ watcher: parsed.data, record });
  }
  // The checks across keys (a destination inside another job's source, a watcher of no job…) on the whole: an
  // entry of PocketBase's that breaks one goes, until none does. The file's own entries passed them alone.
  for (;;) {
    const config: Config = {
      ...file,
      sync_jobs: [...file.sync_jobs, ...jobs.map(({ job }) => job)],
      file_watchers: [...file.file_watchers, ...watchers.map(({ watcher }) => withWatchPath(watcher, jobs))],
    };
    const offender = checkConfigRules(config)
      .map((violation) => ({ violation, entry: entryOf(violation.keyPath, file, jobs, watchers) }))
      .find(({ entry }) => entry !== undefined);
    if (!offender?.entry)
      return {
        config,
        problems,
        jobIds: jobs.map(({ job }) => job.id),
        watcherIds: watchers.map(({ watcher }) => watcher.id),
      };
    const { kind, index, record } = offender.entry;
    const name =
      kind === 'job'
        ? `sync_jobs record ${record.id} (job_id "${String(record.job_id)}")`
        : `file_watchers record ${record.id} (watcher_id "${String(record.watcher_id)}")`;
    problems.push(`${name} skipped: ${offender.violation.message}`);
    if (kind === 'job') jobs.splice(index, 1);
    else watchers.splice(index, 1);
  }
}

/** The record's fields as the file would write them: PocketBase's empty values (``, 0, null) are left out. */
function fieldsOf(
  record: PocketBaseRecord,
  fields: readonly { name: string; type: string }[],
  idField: string,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const { name, type } of fields) {
    const value = record[name];
    if (name === 'host') continue;
    if (value === null || value === undefined || value === '' || (type === 'number' && value === 0)) continue;
    data[name === idField ? 'id' : name] = value;
  }
  return data;
}

function withWatchPath(
  watcher: Config['file_watchers'][number],
  jobs: readonly { job: SyncJob }[],
): Config['file_watchers'][number] {
  if (watcher.watch_path !== undefined)
    return { ...watcher, watch_path: resolvePath(watcher.watch_path, '/') };
  const job = jobs.find(({ job }) => job.id === watcher.sync_job_id)?.job;
  return job ? { ...watcher, watch_path: job.source_path } : watcher;
}

type Entry =
  | { kind: 'job'; index: number; record: PocketBaseRecord }
  | { kind: 'watcher'; index: number; record: PocketBaseRecord };

/** Which entry of PocketBase's a violation's key path names, if any (those of the file come first). */
function entryOf(
  keyPath: readonly PropertyKey[],
  file: Config,
  jobs: readonly { record: PocketBaseRecord }[],
  watchers: readonly { record: PocketBaseRecord }[],
): Entry | undefined {
  const [section, position] = keyPath;
  if (typeof position !== 'number') return undefined;
  if (section === 'sync_jobs' && position >= file.sync_jobs.length) {
    const index = position - file.sync_jobs.length;
    const entry = jobs[index];
    return entry ? { kind: 'job', index, record: entry.record } : undefined;
  }
  if (section === 'file_watchers' && position >= file.file_watchers.length) {
    const index = position - file.file_watchers.length;
    const entry = watchers[index];
    return entry ? { kind: 'watcher', index, record: entry.record } : undefined;
  }
  return undefined;
}

/** Each problem as `field: what was expected`, under the record's own field names. */
function describeIssues(
  issues: Parameters<typeof describeSchemaIssue>[0][],
  schema: Parameters<typeof describeSchemaIssue>[1],
  idField: string,
): string {
  return issues
    .flatMap((issue) => describeSchemaIssue(issue, schema))
    .map((issue) => {
      const keyPath = issue.keyPath.map((key, index) => (index === 0 && key === 'id' ? idField : key));
      return `${formatKeyPath(keyPath) || 'the record'}: ${issue.message}`;
    })
    .join('; ');
}

function isAbsoluteOrHome(value: string): boolean {
  return path.isAbsolute(value) || value === '~' || value.startsWith('~/');
}
