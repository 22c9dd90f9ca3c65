import fs from 'node:fs';
import path from 'node:path';
import { closest } from 'fastest-levenshtein';
import type { KeyPath } from './format-key-path.js';
import type { Config } from './schema.js';

/** A rule that spans several keys, found after each key alone was valid; it points at the key to change. */
export interface RuleViolation {
  keyPath: KeyPath;
  message: string;
}

/** The checks no single key can make: unique ids, dangling references, folders that would feed into each other. */
export function checkConfigRules(config: Config): RuleViolation[] {
  return [
    ...checkUniqueIds(config),
    ...checkWatcherJobs(config),
    ...checkJobFolders(config),
    ...checkTrashFolders(config),
  ];
}

// A trash inside a source would be mirrored (and watched); inside another job's destination, deleted by it.
function checkTrashFolders(config: Config): RuleViolation[] {
  const violations: RuleViolation[] = [];
  config.sync_jobs.forEach((job, index) => {
    const trash = job.sync_options.trash_dir;
    if (trash === undefined) return;
    const canonicalTrash = canonicalPath(trash);
    const at: KeyPath = ['sync_jobs', index, 'sync_options', 'trash_dir'];
    config.sync_jobs.forEach((other, otherIndex) => {
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
    });
  });
  return violations;
}

function checkUniqueIds(config: Config): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const section of ['sync_jobs', 'file_watchers'] as const) {
    const firstIndexById = new Map<string, number>();
    config[section].forEach((entry, index) => {
      const first = firstIndexById.get(entry.id);
      if (first === undefined) firstIndexById.set(entry.id, index);
      else
        violations.push({
          keyPath: [section, index, 'id'],
          message: `duplicate id "${entry.id}", already used by ${section}[${first}]; ids must be unique`,
        });
    });
  }
  return violations;
}

function checkWatcherJobs(config: Config): RuleViolation[] {
  const jobIds = config.sync_jobs.map((job) => job.id);
  const violations: RuleViolation[] = [];
  config.file_watchers.forEach((watcher, index) => {
    if (jobIds.includes(watcher.sync_job_id)) return;
    const hint =
      jobIds.length === 0
        ? 'no sync jobs are defined'
        : `did you mean "${closest(watcher.sync_job_id, jobIds)}"? (known: ${jobIds.join(', ')})`;
    violations.push({
      keyPath: ['file_watchers', index, 'sync_job_id'],
      message: `found "${watcher.sync_job_id}", expected the id of a sync job; ${hint}`,
    });
  });
  return violations;
}

// Destinations are where the daemon writes; a write that lands in something it reads or watches loops forever.
function checkJobFolders(config: Config): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const jobs = config.sync_jobs.map((job) => ({
    job,
    source: canonicalPath(job.source_path),
    destination: canonicalPath(job.destination_path),
  }));
  jobs.forEach(({ job, source, destination }, index) => {
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
    jobs.forEach((other, otherIndex) => {
      if (otherIndex === index) return;
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
    });
    config.file_watchers.forEach((watcher, watcherIndex) => {
      if (watcher.watch_path === undefined) return;
      // The job's own source is checked above; only report watched folders that add something.
      if (watcher.sync_job_id === job.id && canonicalPath(watcher.watch_path) === source) return;
      if (isInsideOrEqual(destination, canonicalPath(watcher.watch_path))) {
        violations.push({
          keyPath: at,
          message: `"${job.destination_path}" lies inside the watch_path of file_watchers[${watcherIndex}] ("${watcher.id}"), a feedback loop: each sync would trigger the watcher`,
        });
      }
    });
  });
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
