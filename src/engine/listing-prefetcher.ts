import type { PathFilter } from './compile-filters.js';
import { FolderLister, type TreeSide } from './folder-lister.js';
import { type FolderListing, readFolder } from './read-folder.js';
import { isTempName } from './temp-names.js';

export type PendingListing = FolderListing | Promise<FolderListing>;

// Folders listed ahead of the walk, at most: enough to keep the listing threads busy, few enough that memory
// follows this bound and not the size of the tree.
const PREFETCH_LIMIT = 64;

/**
 * A test seam, off in production: called just before a folder is listed, after its parent's listing, so a test
 * can make a folder vanish or turn unreadable at that exact moment (test/engine/safety-listing.test.ts).
 */
export const listingTestHooks: { beforeListing?: (absolutePath: string) => void } = {};

/**
 * Keeps a listing thread ahead of the walk: as each listing arrives, the listings of its subfolders are asked
 * for at once, so the thread never waits for the walk to reach a folder before listing what lies below it.
 * Excluded folders are never listed.
 */
export class ListingPrefetcher {
  private readonly ahead = new Map<string, PendingListing>();

  constructor(
    private readonly root: string,
    private readonly side: TreeSide,
    private readonly options: { filter: PathFilter; listInline: boolean },
  ) {}

  /** The listing of a folder (relative to the root): the one asked for ahead if there is one, else a new one. */
  take(relative: string): PendingListing {
    return this.takeEach([relative])[0] as PendingListing;
  }

  /**
   * The listings of several folders, those not asked for ahead asked for in one message: a message per folder
   * cost the walking thread more than its compare (on 200,000 files, ~110 ms of postMessage a run).
   */
  takeEach(relatives: readonly string[]): PendingListing[] {
    const listings: PendingListing[] = new Array(relatives.length);
    const missing: number[] = [];
    for (const [index, relative] of relatives.entries()) {
      const pending = this.ahead.get(relative);
      if (pending === undefined) missing.push(index);
      else {
        this.ahead.delete(relative);
        listings[index] = pending;
      }
    }
    if (missing.length === 0) return listings;
    const requested = this.requestEach(missing.map((index) => relatives[index] as string));
    for (const [at, index] of missing.entries()) listings[index] = requested[at] as PendingListing;
    return listings;
  }

  /** Asks for several listings at once: one message to the listing thread for all of them. */
  private requestEach(relatives: readonly string[]): PendingListing[] {
    const absolutePaths = relatives.map((relative) => (relative ? `${this.root}/${relative}` : this.root));
    for (const absolutePath of absolutePaths) listingTestHooks.beforeListing?.(absolutePath);
    const listings = this.options.listInline
      ? absolutePaths.map((absolutePath) => readFolder(absolutePath))
      : FolderLister.listEach(absolutePaths, this.side);
    return listings.map((listing, index) => {
      // Listed inline (no thread): nothing runs in parallel, so listing ahead would only cost memory.
      if (!(listing instanceof Promise)) return listing;
      return listing.then((arrived) => {
        this.requestSubfolders(relatives[index] as string, arrived);
        return arrived;
      });
    });
  }

  private requestSubfolders(relative: string, listing: FolderListing): void {
    if (listing.status !== 'ok') return;
    const wanted: string[] = [];
    for (const { name, meta } of listing.entries) {
      if (this.ahead.size + wanted.length >= PREFETCH_LIMIT) break;
      if (meta.kind !== 'dir' || isTempName(name)) continue;
      const path = relative ? `${relative}/${name}` : name;
      if (!this.ahead.has(path) && !this.options.filter(path, true)) wanted.push(path);
    }
    if (wanted.length === 0) return;
    const listings = this.requestEach(wanted);
    for (const [index, path] of wanted.entries()) this.ahead.set(path, listings[index] as PendingListing);
  }
}
