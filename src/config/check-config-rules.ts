import fs from 'node:fs';
import path from 'node:path';
import { closest } from 'fastest-levenshtein';
import type { KeyPath } from './format-key-path.js';
import type { Config, FileWatcher, SyncJob } from './schema.js';

/** A rule that spans several keys, found after each key alone was valid; it points at the key to change. */
export interface RuleViolation {
  keyPath: KeyPath;
  message: string;
}

/** An entry of a config list with its place in the file: a check over part of a list still names the right one. */
export interface Indexed<T> {
  index: number;
  value: T;
}

/**
 * What the cross-key checks look at. From a valid config, everything; from one with key errors, only the entries
 * whose keys a check reads are valid (see collect-checkable-entries.ts), so those checks still run.
 */
export interface RuleInput {
  /** Ids of the jobs and of the watchers, for uniqueness. */
  jobIds: Indexed<string>[];
  watcherIds: Indexed<string>[];
  /** Every job's id, or undefined when one is not known: a reference cannot be called dangling then. */
  knownJobIds: string[] | undefined;
  watcherJobIds: Indexed<string>[];
  /** Jobs and watchers whose every key is valid, paths resolved. */
  jobs: Indexed<SyncJob>[];
  watchers: Indexed<FileWatcher>[];
}

/** The checks no single key can make: unique ids, dangling references, folders that would feed into each other. */
export function checkConfigRules(config: Config): RuleViolation[] {
  const jobs = indexed(config.sync_jobs);
  const watchers = indexed(config.file_watchers);
  return checkRules({
    jobIds: jobs.map(({ index, value }) => ({ index, value: value.id })),
    watcherIds: watchers.map(({ index, value }) => ({ index, value: value.id })),
    knownJobIds: config.sync_jobs.map((job) => job.id),
    watcherJobIds: watchers.map(({ index, value }) => ({ index, value: value.sync_job_id })),
    jobs,
    watchers,
  });
}

export function checkRules(input: RuleInput): RuleViolation[] {
  return [
    ...checkUniqueIds('sync_jobs', input.jobIds),
    ...checkUniqueIds('file_watchers', input.watcherIds),
    ...checkWatcherJobs(input.knownJobIds, input.watcherJobIds),
    ...checkJobFolders(input.jobs, input.watchers),
    ...checkTrashFolders(input.jobs),
  ];
}

function indexed<T>(values: readonly T[]): Indexed<T>[] {
  return values.map((value, index) => ({ index, value }));
}

// A trash inside a source would be mirrored (and watched); inside another job's destination, deleted by it.
function checkTrashFolders(jobs: Indexed<SyncJob>[]): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const { index, value: job } of jobs) {
    const trash = job.sync_options.trash_dir;
    if (trash === undefined) continue;
    const canonicalTrash = canonicalPath(trash);
    const at: KeyPath = ['sync_jobs', index, 'sync_options', 'trash_dir'];
    for (const { index: otherIndex, value: other } of jobs) {
      const owner = otherIndex === index ? 'this job' : `sync_jobs[${otherIndex}] ("${other.id}")`;
      if (isInsideOrEqual(canonicalTrash, canonicalPath(other.source_path))) {
        violations.push({
          keyPath: at,
          message: `"${trash}" lies inside the source_path of ${owner}: the trash would be mirrored`,
        });
      } else if (
        otherIndex !== index &&
        isInsideOrEqual(canonicalTrash, canonicalPath(other.destination_path))
      ) {
        violations.push({
          keyPath: at,
          message: `"${trash}" lies inside the destination of ${owner}, which would delete it`,
        });
      }
    }
  }
  return violations;
}

function checkUniqueIds(section: 'sync_jobs' | 'file_watchers', ids: Indexed<string>[]): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const firstIndexById = new Map<string, number>();
  for (const { index, value: id } of ids) {
    const first = firstIndexById.get(id);
    if (first === undefined) firstIndexById.set(id, index);
    else
      violations.push({
        keyPath: [section, index, 'id'],
        message: `duplicate id "${id}", already used by ${section}[${first}]; ids must be unique`,
      });
  }
  return violations;
}

function checkWatcherJobs(
  knownJobIds: string[] | undefined,
  watcherJobIds: Indexed<string>[],
): RuleViolation[] {
  if (!knownJobIds) return [];
  const jobIds = [...new Set(knownJobIds)];
  const violations: RuleViolation[] = [];
  for (const { index, value: jobId } of watcherJobIds) {
    if (jobIds.includes(jobId)) continue;
    const hint =
      jobIds.length === 0
        ? 'no sync jobs are defined'
        : `did you mean "${closest(jobId, jobIds)}"? (known: ${jobIds.join(', ')})`;
    violations.push({
      keyPath: ['file_watchers', index, 'sync_job_id'],
      message: `found "${jobId}", expected the id of a sync job; ${hint}`,
    });
  }
  return violations;
}

// Destinations are where the daemon writes; a write that lands in something it reads or watches loops forever.
function checkJobFolders(jobList: Indexed<SyncJob>[], watchers: Indexed<FileWatcher>[]): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const jobs = jobList.map(({ index, value: job }) => ({
    index,
    job,
    source: canonicalPath(job.source_path),
    destination: canonicalPath(job.destination_path),
  }));
  for (const { index, job, source, destination } of jobs) {
    const at: KeyPath = ['sync_jobs', index, 'destination_path'];
    if (source === destination) {
      violations.push({
        keyPath: at,
        message: `"${job.destination_path}" is also the source_path; they must differ`,
      });
    } else if (isInside(destination, source)) {
      violations.push({
        keyPath: at,
        message: `"${job.destination_path}" lies inside the source_path "${job.source_path}"; each sync would copy its own copy`,
      });
    } else if (isInside(source, destination)) {
      violations.push({
        keyPath: at,
        message: `"${job.destination_path}" contains the source_path "${job.source_path}"; the mirror would overwrite its own source`,
      });
    }
    for (const other of jobs) {
      const otherIndex = other.index;
      if (otherIndex === index) continue;
      if (otherIndex < index && isInsideOrEqual(destination, other.destination)) {
        violations.push({
          keyPath: at,
          message: `"${job.destination_path}" overlaps the destination of sync_jobs[${otherIndex}] ("${other.job.id}"); two jobs must never write one folder`,
        });
      } else if (otherIndex < index && isInside(other.destination, destination)) {
        violations.push({
          keyPath: at,
          message: `"${job.destination_path}" contains the destination of sync_jobs[${otherIndex}] ("${other.job.id}"); two jobs must never write one folder`,
        });
      }
      if (isInsideOrEqual(destination, other.source)) {
        violations.push({
          keyPath: at,
          message: `"${job.destination_path}" lies inside the source_path of sync_jobs[${otherIndex}] ("${other.job.id}"), a feedback loop; pick a destination outside every source`,
        });
      }
    }
    for (const { index: watcherIndex, value: watcher } of watchers) {
      if (watcher.watch_path === undefined) continue;
      // The job's own source is checked above; only report watched folders that add something.
      if (watcher.sync_job_id === job.id && canonicalPath(watcher.watch_path) === source) continue;
      if (isInsideOrEqual(destination, canonicalPath(watcher.watch_path))) {
        violations.push({
          keyPath: at,
          message: `"${job.destination_path}" lies inside the watch_path of file_watchers[${watcherIndex}] ("${watcher.id}"), a feedback loop: each sync would trigger the watcher`,
        });
      }
    }
  }
  return violations;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative !== '' &&
    !relative.startsWith(`..${path.sep}`) &&
    relative !== '..' &&
    !path.isAbsolute(relative)
  );
}

function isInsideOrEqual(child: string, parent: string): boolean {
  return child === parent || isInside(child, parent);
}

/** Resolves symlinks in the part of the path that exists, so `/data/link/x` and `/mnt/real/x` compare equal. */
function canonicalPath(absolutePath: string): string {
  let existing = absolutePath;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolutePath;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}
