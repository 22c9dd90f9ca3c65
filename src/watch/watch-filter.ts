import path from 'node:path';
import { compileFilters, isUnderExcludedFolder } from '../engine/compile-filters.js';
import { isTempName } from '../engine/temp-names.js';

export interface WatchFilterJob {
  source: string;
  destination: string;
  trashDir?: string | undefined;
  filters: readonly string[];
  ignoreHiddenFiles: boolean;
}

/** Where a changed path lands: a path of the job's source (relative, "/"-separated), or outside it. */
export type ChangeTarget =
  | { kind: 'source'; relativePath: string }
  | { kind: 'outside' }
  | { kind: 'ignored' };

/**
 * Which changes may trigger a sync: never the engine's own temp files, its trash or the destination, nor, inside
 * the source, a path the job's filters or `ignore_hidden_files` leave out (the run would skip it anyway).
 */
export class WatchFilter {
  private readonly excluded: ReturnType<typeof compileFilters>;

  constructor(private readonly job: WatchFilterJob) {
    this.excluded = compileFilters(job.filters, job.ignoreHiddenFiles);
  }

  get destination(): string {
    return this.job.destination;
  }

  /** Where an absolute path reported by a backend belongs. */
  target(absolutePath: string): ChangeTarget {
    if (isTempName(path.basename(absolutePath))) return { kind: 'ignored' };
    if (this.isUnder(absolutePath, this.job.destination)) return { kind: 'ignored' };
    if (this.job.trashDir !== undefined && this.isUnder(absolutePath, this.job.trashDir))
      return { kind: 'ignored' };
    const relative = path.relative(this.job.source, absolutePath);
    if (!isInsideRelative(relative)) return { kind: 'outside' };
    const relativePath = relative.split(path.sep).join('/');
    return this.isExcluded(relativePath) ? { kind: 'ignored' } : { kind: 'source', relativePath };
  }

  /** For backends that ask before they watch: whether an absolute path is left out (see `target`). */
  isIgnored = (absolutePath: string): boolean => this.target(absolutePath).kind === 'ignored';

  /**
   * Globs (relative to `watchRoot`) of what the native backend need not watch at all. Only rules a glob says
   * exactly: hidden names, and simple one-name patterns when no pattern is negated. The filter above still
   * checks every event, so a rule left out here costs watches, never a missed change.
   */
  nativeIgnoreGlobs(watchRoot: string): string[] {
    if (!isInsideRelative(path.relative(this.job.source, watchRoot))) return [];
    const globs = this.job.ignoreHiddenFiles ? ['**/.*'] : [];
    if (this.job.filters.some((pattern) => pattern.startsWith('!'))) return globs;
    for (const pattern of this.job.filters) if (SIMPLE_NAME.test(pattern)) globs.push(`**/${pattern}`);
    return globs;
  }

  private isExcluded(relativePath: string): boolean {
    if (relativePath === '') return false;
    if (isUnderExcludedFolder(this.excluded, relativePath)) return true;
    // The path itself may be gone: left out only if it would be as a file and as a folder alike.
    return this.excluded(relativePath, false) && this.excluded(relativePath, true);
  }

  private isUnder(child: string, parent: string): boolean {
    return isInsideRelative(path.relative(parent, child));
  }
}

/** Whether `path.relative(parent, child)` names the parent itself or something inside it. */
function isInsideRelative(relative: string): boolean {
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

// One name, letters, digits, ".", "_", "-" and single "*" (no "**", no classes, no escapes, no slash): gitignore
// and the globs of @parcel/watcher read it alike.
const SIMPLE_NAME = /^(?!.*\*\*)(?!\.+$)[A-Za-z0-9._*-]+$/;
