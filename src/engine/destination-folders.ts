import fs from 'node:fs';
import { fsPath } from './byte-names.js';
import { describeMetadataDifference } from './compare-metadata.js';
import type { FileMeta } from './types.js';
import { finishFolder, type WriteContext } from './write-entry.js';

// What a process needs of a folder to create and remove entries in it.
const OWNER_WRITE_AND_SEARCH = 0o300;
// What it needs to list it too: rsync gives a folder it works in all three (S_IRWXU).
const OWNER_READ_WRITE_AND_SEARCH = 0o700;
const OWNER_WRITE = 0o200;

// A folder's inode is kept with its mode: what stands at its path at the end may be a file or link that replaced
// it (or another folder), which must keep its own mode.
interface UnlockedFolder {
  mode: number;
  ino: number;
}

interface FolderToFinish {
  path: string;
  source: FileMeta;
  destination: FileMeta | undefined;
}

/**
 * What a run owes the destination's folders: write permission while it writes into them, then their mode and
 * times once their content is final (writing into a folder moves its mtime).
 */
export class DestinationFolders {
  private readonly toFinish: FolderToFinish[] = [];
  // Folders whose entries this run created, renamed or removed: their mtime moved and must be set again.
  private readonly touched = new Set<string>();
  // Folders without write permission for their owner (left so by a read-only source folder, say 0555), and
  // the mode of those this run made writable to write into them.
  private readonly locked = new Set<string>();
  private readonly unlocked = new Map<string, UnlockedFolder>();

  constructor(
    private readonly context: WriteContext,
    private readonly coarseTimes: boolean,
  ) {}

  /** A destination folder the walk met: remembered if this run could not write into it as it stands. */
  met(path: string, destination: FileMeta): void {
    if ((destination.mode & OWNER_WRITE_AND_SEARCH) !== OWNER_WRITE_AND_SEARCH) this.locked.add(path);
  }

  /**
   * A mirror folder its owner cannot list (0644, 0000) where the source has a folder: made u+rwx before it is
   * listed again, as rsync makes a folder it works in, so that this run syncs and deletes in it. Afterwards,
   * with preserve_permissions it gets its source's mode (finishAll). Without, it goes as with rsync --no-perms
   * (3.x, run as an unprivileged user): a folder its owner could not write into (0444, 0000) gets its mode
   * back at the end, every run, as a read-only folder (0555) does; one its owner could write into (0644) stays
   * enterable (0744), so the next run need not open it again. Returns whether the folder was opened.
   */
  openForListing(path: string): boolean {
    // When it cannot be opened (not ours, EPERM), the listing's error is reported and nothing is deleted.
    return this.open(
      path,
      OWNER_READ_WRITE_AND_SEARCH,
      (mode) => this.context.preservePermissions || (mode & OWNER_WRITE) === 0,
    );
  }

  /** A folder to give its source's mode and times at the end; folders come after their content. */
  finishLater(path: string, source: FileMeta, destination: FileMeta | undefined): void {
    this.toFinish.push({ path, source, destination });
  }

  /** Called before an entry of `path`'s folder is written: the folder is made writable, and finished again. */
  touch(path: string): void {
    const slash = path.lastIndexOf('/');
    const folder = slash < 0 ? '' : path.slice(0, slash);
    this.touched.add(folder);
    // Made writable for its owner while this run writes into it, as rsync does; a folder that cannot be is
    // reported by the write that follows, with its own path.
    if (this.locked.has(folder)) this.open(folder, OWNER_WRITE_AND_SEARCH, () => true);
  }

  /**
   * Deepest first: fixing a folder's times must come after everything written inside it. Untouched folders
   * whose metadata already matches cost nothing, so a no-op run writes nothing.
   */
  finishAll(recordError: (path: string, error: unknown) => void): void {
    for (const folder of this.toFinish.reverse()) {
      const current = folder.destination;
      const needed =
        current?.kind !== 'dir' ||
        this.touched.has(folder.path) ||
        this.unlocked.has(folder.path) ||
        describeMetadataDifference(folder.source, current, {
          ...this.context,
          coarseTimes: this.coarseTimes,
        }) !== undefined;
      if (!needed) continue;
      try {
        finishFolder(folder.path, folder.source, this.context);
        if (this.context.preservePermissions) this.unlocked.delete(folder.path);
      } catch (error) {
        recordError(folder.path || '.', error);
      }
    }
    this.giveBackModes();
  }

  /**
   * Folders made writable whose mode no source folder gives (extraneous ones that were kept, a run without
   * preserve_permissions, or a run stopped before its end) get back the mode they had.
   */
  giveBackModes(): void {
    for (const [folder, { mode, ino }] of this.unlocked) {
      try {
        const current = fs.lstatSync(this.absolute(folder));
        if (current.isDirectory() && current.ino === ino) fs.chmodSync(this.absolute(folder), mode);
      } catch {
        // Deleted by this run: nothing to give back.
      }
    }
    this.unlocked.clear();
  }

  /**
   * Gives the folder's owner the permission `bits`; `giveBack` says, by the mode it had, whether giveBackModes
   * restores that mode. False when the folder is gone, is not a folder, or is not ours to change.
   */
  private open(folder: string, bits: number, giveBack: (mode: number) => boolean): boolean {
    this.locked.delete(folder);
    try {
      const stats = fs.lstatSync(this.absolute(folder));
      if (!stats.isDirectory()) return false;
      const mode = stats.mode & 0o7777;
      fs.chmodSync(this.absolute(folder), mode | bits);
      if (giveBack(mode)) this.unlocked.set(folder, { mode, ino: stats.ino });
      return true;
    } catch {
      return false;
    }
  }

  private absolute(folder: string): string | Buffer {
    return fsPath(folder ? `${this.context.destination}/${folder}` : this.context.destination);
  }
}
