import fs from 'node:fs';
import { fsPath } from './byte-names.js';
import type { DestinationFolders } from './destination-folders.js';
import type { EntryInstalls, PendingInstall } from './entry-installs.js';
import { toFileMeta } from './read-folder.js';
import type { SyncProgressTracker } from './sync-progress-tracker.js';
import type { SyncFileError, SyncRequest } from './types.js';
import { FOLDER_NEEDS_DELETIONS } from './write-entry.js';

const FOLDER_STILL_HOLDS_ENTRIES =
  'cannot delete non-empty folder to put a file in its place: it still holds excluded entries (never deleted) or entries that could not be deleted';

/**
 * Files and links that replace a destination folder: installed once the deletion phase emptied it, after every
 * other copy, or reported with why the folder stays.
 */
export class FolderReplacements {
  private readonly pending: PendingInstall[] = [];
  private readonly replaced = new Set<string>();
  // Of those, the ones that keep an excluded entry (dry runs only: a real run finds them still there).
  private readonly keptByExclusion = new Set<string>();

  constructor(
    private readonly request: SyncRequest,
    private readonly parts: {
      folders: DestinationFolders;
      installs: EntryInstalls;
      tracker: SyncProgressTracker;
      errors: SyncFileError[];
    },
  ) {}

  /** A source file or link stands where the destination has a folder. */
  folderReplaced(path: string): void {
    this.replaced.add(path);
  }

  isReplaced(path: string): boolean {
    return this.replaced.has(path);
  }

  add(install: PendingInstall): void {
    this.pending.push(install);
  }

  /** Installs the files and links that replace a folder, now that the deletion phase emptied it, or says why not. */
  async install(deletions: 'ran' | 'held back'): Promise<void> {
    for (const replacement of this.pending) {
      const { path } = replacement.decision;
      if (this.request.signal?.aborted) return;
      const refusal = this.refusal(path, deletions);
      if (refusal) {
        this.parts.errors.push({ path, code: 'FOLDER_NOT_EMPTY', message: refusal });
        continue;
      }
      if (this.request.dryRun) {
        this.parts.tracker.done(replacement.decision);
        continue;
      }
      const stats = fs.lstatSync(fsPath(`${this.request.destination}/${path}`), { throwIfNoEntry: false });
      if (stats?.isDirectory()) {
        this.parts.errors.push({ path, code: 'FOLDER_NOT_EMPTY', message: FOLDER_STILL_HOLDS_ENTRIES });
        continue;
      }
      this.parts.folders.touch(path);
      await this.parts.installs.install({
        ...replacement,
        destination: stats ? toFileMeta(stats) : undefined,
      });
    }
  }

  /** Why a folder that a file replaces must stay, judged before anything is written (dry runs alike). */
  private refusal(path: string, deletions: 'ran' | 'held back'): string | undefined {
    if (!this.request.deleteExtraneous) {
      // Only a dry run comes here without deletions: a real run's copy removes the folder only if it is empty.
      try {
        if (fs.readdirSync(fsPath(`${this.request.destination}/${path}`)).length === 0) return undefined;
      } catch {
        // Unreadable: not known to be empty.
      }
      return FOLDER_NEEDS_DELETIONS;
    }
    if (deletions === 'held back')
      return 'cannot delete non-empty folder to put a file in its place: deletions did not run in this run (see above); left untouched';
    if (this.keptByExclusion.has(path)) return FOLDER_STILL_HOLDS_ENTRIES;
    return undefined;
  }

  // A dry run deletes nothing, so a replaced folder that keeps an excluded entry is found from the walk.
  // The excluded path's own folders, nearest first: as many lookups as the path is deep.
  noteExcluded(excludedPath: string): void {
    for (
      let slash = excludedPath.lastIndexOf('/');
      slash > 0;
      slash = excludedPath.lastIndexOf('/', slash - 1)
    ) {
      const folder = excludedPath.slice(0, slash);
      if (this.replaced.has(folder)) this.keptByExclusion.add(folder);
    }
  }
}
