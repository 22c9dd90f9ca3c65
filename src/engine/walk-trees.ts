import type { PathFilter } from './compile-filters.js';
import { ListingPrefetcher, type PendingListing } from './listing-prefetcher.js';
import type { FolderListing } from './read-folder.js';
import { isTempName } from './temp-names.js';
import type { FileMeta } from './types.js';

/** What the merge walk meets, folder by folder; `path` is relative to the roots, "" for the roots themselves. */
export type WalkEvent =
  | { type: 'folder'; path: string; source: FileMeta; destination: FileMeta | undefined }
  | { type: 'entry'; path: string; source: FileMeta; destination: FileMeta | undefined }
  | { type: 'extraneous'; path: string; destination: FileMeta }
  /** Emitted after a folder's whole subtree, so folder metadata can be fixed after its content. */
  | { type: 'folder-done'; path: string; source: FileMeta | undefined; destination: FileMeta | undefined }
  | { type: 'stale-temp'; path: string }
  | { type: 'excluded'; path: string }
  | { type: 'unreadable'; path: string; side: 'source' | 'destination'; code: string; message: string };

export interface WalkOptions {
  source: string;
  destination: string;
  filter: PathFilter;
  /** List on this thread, never on the listing threads (SyncRequest.listInline). */
  listInline: boolean;
  /** Walk into destination folders that have no source counterpart (only deletion needs them). */
  walkExtraneous: boolean;
  /** Absolute paths never entered on the destination side (a trash folder inside it). */
  skipDestinationPaths: ReadonlySet<string>;
  /**
   * Asked when a destination folder whose source counterpart is a folder could not be listed for want of
   * permission (EACCES): whether it was made listable, in which case it is listed again. Absent: reported.
   */
  openDestinationFolder?: (path: string) => boolean;
}

/**
 * Walks both trees at once, one folder of each in memory at a time: memory follows the widest folder and the
 * depth, not the size of the tree. Folders come before their content, names in sorted order. Events come in one
 * batch per folder: an await per entry would cost more than the entry's lstat.
 */
export async function* walkTrees(
  options: WalkOptions,
  root: { source: FileMeta; destination: FileMeta | undefined },
): AsyncGenerator<WalkEvent[]> {
  const sourceListings = new ListingPrefetcher(options.source, 'source', options);
  const destinationListings = new ListingPrefetcher(options.destination, 'destination', options);
  const lists: ListFolders = {
    each: (folders) => {
      // A side is listed where it has a folder: the source of an extraneous folder, or a destination file, is not.
      const sources = takeWhere(sourceListings, folders, (folder) => folder.source !== undefined);
      const destinations = takeWhere(
        destinationListings,
        folders,
        (folder) => folder.destination?.kind === 'dir',
      );
      return folders.map((_, index) => ({
        source: sources[index] as PendingListing,
        destination: destinations[index] as PendingListing,
      }));
    },
    destinationAgain: (relative) => destinationListings.take(relative),
  };
  const [rootListings] = lists.each([{ path: '', ...root }]);
  yield* walkFolder(options, '', rootListings as FolderListings, lists);
}

interface SubFolder {
  path: string;
  source: FileMeta | undefined;
  destination: FileMeta | undefined;
}
type FolderListings = Record<'source' | 'destination', PendingListing>;
interface ListFolders {
  /** Both sides' listings of several folders, asked for in one message per side. */
  each: (folders: readonly SubFolder[]) => FolderListings[];
  destinationAgain: (relative: string) => PendingListing;
}
const MISSING: FolderListing = { status: 'missing' };

function takeWhere(
  listings: ListingPrefetcher,
  folders: readonly SubFolder[],
  listed: (folder: SubFolder) => boolean,
): PendingListing[] {
  const taken = listings.takeEach(folders.filter(listed).map((folder) => folder.path));
  let next = 0;
  return folders.map((folder) => (listed(folder) ? (taken[next++] as PendingListing) : MISSING));
}

async function* walkFolder(
  options: WalkOptions,
  relative: string,
  pending: FolderListings,
  lists: ListFolders,
): AsyncGenerator<WalkEvent[]> {
  // The parent asked for both listings ahead: the listing threads make them while this one compares.
  const sourceListing = await pending.source;
  let destinationListing = await pending.destination;
  // A mirror folder that cannot be entered (0644) where the source has a folder: once opened, listed again.
  if (
    destinationListing.status === 'error' &&
    destinationListing.code === 'EACCES' &&
    sourceListing.status === 'ok' &&
    options.openDestinationFolder?.(relative)
  ) {
    destinationListing = await lists.destinationAgain(relative);
  }
  // Without a side's listing, nothing here may be copied or deleted.
  for (const [side, listing] of [
    ['source', sourceListing],
    ['destination', destinationListing],
  ] as const) {
    if (listing.status === 'error') {
      yield [{ type: 'unreadable', path: relative, side, code: listing.code, message: listing.message }];
      return;
    }
  }
  const sourceEntries = sourceListing.status === 'ok' ? sourceListing.entries : [];
  const destinationEntries = destinationListing.status === 'ok' ? destinationListing.entries : [];
  const folders: SubFolder[] = [];
  const batch: WalkEvent[] = [];

  const visit = (
    name: string,
    sourceMeta: FileMeta | undefined,
    destinationMeta: FileMeta | undefined,
  ): void => {
    const path = relative ? `${relative}/${name}` : name;
    if (isTempName(name)) {
      if (destinationMeta) batch.push({ type: 'stale-temp', path });
      return;
    }
    if (destinationMeta && !sourceMeta && options.skipDestinationPaths.has(join(options.destination, path)))
      return;
    // Each side's entry is judged on its own type, as rsync does: a dir-only pattern (`cache/`) that excludes a
    // source folder leaves a destination file of that name extraneous. An included source entry takes its
    // place whatever stands there.
    const source = sourceMeta && !options.filter(path, sourceMeta.kind === 'dir') ? sourceMeta : undefined;
    const destination =
      destinationMeta && (source || !options.filter(path, destinationMeta.kind === 'dir'))
        ? destinationMeta
        : undefined;
    if (!source && !destination) {
      batch.push({ type: 'excluded', path });
      return;
    }
    if (source?.kind === 'dir') {
      batch.push({ type: 'folder', path, source, destination });
      folders.push({ path, source, destination });
    } else if (source) {
      batch.push({ type: 'entry', path, source, destination });
      // A folder that a file or link replaces: its content is a deletion, walked as extraneous (delete-extraneous).
      walkExtraneousFolder(path, destination);
    } else if (destination) {
      batch.push({ type: 'extraneous', path, destination });
      walkExtraneousFolder(path, destination);
    }
  };
  // A destination folder with no source folder at its path: its content is walked only for deletion.
  const walkExtraneousFolder = (path: string, destination: FileMeta | undefined): void => {
    if (destination?.kind !== 'dir' || !options.walkExtraneous) return;
    folders.push({ path, source: undefined, destination });
  };
  // A merge of the two sorted listings by index: no iterator or tuple per entry (this loop runs once per file).
  let i = 0;
  let j = 0;
  while (i < sourceEntries.length || j < destinationEntries.length) {
    const source = sourceEntries[i];
    const destination = destinationEntries[j];
    if (source && (!destination || source.name < destination.name)) {
      visit(source.name, source.meta, undefined);
      i++;
    } else if (destination && (!source || destination.name < source.name)) {
      visit(destination.name, undefined, destination.meta);
      j++;
    } else if (source && destination) {
      visit(source.name, source.meta, destination.meta);
      i++;
      j++;
    }
  }

  const listings = lists.each(folders);
  yield batch;
  for (const [index, folder] of folders.entries()) {
    // A source folder replacing a destination file: the destination side is empty below it.
    const destination = folder.destination?.kind === 'dir' ? folder.destination : undefined;
    yield* walkFolder(options, folder.path, listings[index] as FolderListings, lists);
    yield [{ type: 'folder-done', path: folder.path, source: folder.source, destination }];
  }
}

function join(root: string, relative: string): string {
  return relative ? `${root}/${relative}` : root;
}
