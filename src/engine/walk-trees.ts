import { compileFilters, type PathFilter } from './compile-filters.js';
import { openListedTree, type TreeSide } from './folder-lister.js';
import type { TreeListingOptions } from './list-tree.js';
import type { FolderListing } from './read-folder.js';
import type { SyncScope } from './sync-scope.js';
import { isTempName } from './temp-names.js';
import { InlineTree, type TreeLister } from './tree-listers.js';
import type { FileMeta } from './types.js';

/** What the merge walk meets, folder by folder; `path` is relative to the roots, "" for the roots themselves. */
export type WalkEvent =
  | { type: 'folder'; path: string; source: FileMeta; destination: FileMeta | undefined }
  | {
      type: 'entry';
      path: string;
      /** The path in two parts: the folder ("" for the roots) and the name in it. */
      folder: string;
      name: string;
      source: FileMeta;
      destination: FileMeta | undefined;
    }
  | { type: 'extraneous'; path: string; destination: FileMeta }
  /** Emitted after a folder's whole subtree, so folder metadata can be fixed after its content. */
  | { type: 'folder-done'; path: string; source: FileMeta | undefined; destination: FileMeta | undefined }
  | { type: 'stale-temp'; path: string }
  | { type: 'excluded'; path: string }
  | { type: 'unreadable'; path: string; side: 'source' | 'destination'; code: string; message: string };

export interface WalkOptions {
  source: string;
  destination: string;
  /** The job's filters and ignore_hidden_files, as compileFilters takes them. */
  filters: readonly string[];
  ignoreHiddenFiles: boolean;
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
  /** An incremental run's changed paths: only they, what lies under them and the folders on the way are walked. */
  scope?: SyncScope | undefined;
}

/**
 * Walks both trees at once, one folder of each at a time: memory follows the widest folder, the depth and how far
 * the listing threads may run ahead (AHEAD_LIMIT), not the size of the tree. Folders come before their content, names in sorted order. Events come in one
 * batch per folder: an await per entry would cost more than the entry's lstat.
 */
export async function* walkTrees(
  options: WalkOptions,
  root: { source: FileMeta; destination: FileMeta | undefined },
): AsyncGenerator<WalkEvent[]> {
  const open = (
    side: TreeSide,
    tree: Pick<TreeListingOptions, 'root' | 'skipPaths' | 'mirrorOf'>,
  ): TreeLister =>
    // A scoped run enters a few folders: listing whole trees ahead on threads would cost more than it saves.
    options.listInline || options.scope
      ? new InlineTree(tree.root)
      : openListedTree(
          { ...tree, filters: options.filters, ignoreHiddenFiles: options.ignoreHiddenFiles },
          side,
        );
  const lists: ListFolders = {
    source: open('source', { root: options.source, skipPaths: [] }),
    // No destination root (a first run): nothing to list there. Without deletions, the walk enters only the
    // destination folders that the source has too.
    destination:
      root.destination?.kind === 'dir'
        ? open('destination', {
            root: options.destination,
            skipPaths: [...options.skipDestinationPaths],
            ...(options.walkExtraneous ? {} : { mirrorOf: options.source }),
          })
        : undefined,
    filter: compileFilters(options.filters, options.ignoreHiddenFiles),
  };
  try {
    yield* walkFolder(options, { path: '', ...root, scoped: options.scope !== undefined }, lists);
  } finally {
    lists.source.close();
    lists.destination?.close();
  }
}

interface SubFolder {
  path: string;
  source: FileMeta | undefined;
  destination: FileMeta | undefined;
  /** Only the entries the run's scope names are walked here (a folder on the way to a changed path). */
  scoped: boolean;
}
interface ListFolders {
  source: TreeLister;
  destination: TreeLister | undefined;
  filter: PathFilter;
}
const MISSING: FolderListing = { status: 'missing' };

async function* walkFolder(
  options: WalkOptions,
  folder: SubFolder,
  lists: ListFolders,
): AsyncGenerator<WalkEvent[]> {
  const relative = folder.path;
  // A side is listed where it has a folder: the source of an extraneous folder, or a destination file, is not.
  const pendingSource = folder.source ? lists.source.listing(relative) : MISSING;
  const pendingDestination =
    folder.destination?.kind === 'dir' && lists.destination ? lists.destination.listing(relative) : MISSING;
  const sourceListing = await pendingSource;
  let destinationListing = await pendingDestination;
  // A mirror folder that cannot be entered (0644) where the source has a folder: once opened, listed again.
  if (
    destinationListing.status === 'error' &&
    destinationListing.code === 'EACCES' &&
    sourceListing.status === 'ok' &&
    options.openDestinationFolder?.(relative)
  ) {
    destinationListing = new InlineTree(options.destination).listing(relative);
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
    const scope = folder.scoped ? options.scope : undefined;
    const coveredByScope = scope === undefined || scope.covers(path);
    if (!coveredByScope && !scope?.leadsTo(path)) return;
    if (isTempName(name)) {
      if (destinationMeta) batch.push({ type: 'stale-temp', path });
      return;
    }
    if (destinationMeta && !sourceMeta && options.skipDestinationPaths.has(join(options.destination, path)))
      return;
    // Each side's entry is judged on its own type, as rsync does: a dir-only pattern (`cache/`) that excludes a
    // source folder leaves a destination file of that name extraneous. An included source entry takes its
    // place whatever stands there.
    const source = sourceMeta && !lists.filter(path, sourceMeta.kind === 'dir') ? sourceMeta : undefined;
    const destination =
      destinationMeta && (source || !lists.filter(path, destinationMeta.kind === 'dir'))
        ? destinationMeta
        : undefined;
    if (!source && !destination) {
      batch.push({ type: 'excluded', path });
      return;
    }
    if (source?.kind === 'dir') {
      batch.push({ type: 'folder', path, source, destination });
      folders.push({ path, source, destination, scoped: !coveredByScope });
    } else if (source) {
      batch.push({ type: 'entry', path, folder: relative, name, source, destination });
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
    // Gone from the source: all of it goes, as in a full run, even when only part of it was reported changed.
    folders.push({ path, source: undefined, destination, scoped: false });
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

  yield batch;
  for (const folder of folders) {
    // A source folder replacing a destination file: the destination side is empty below it.
    const destination = folder.destination?.kind === 'dir' ? folder.destination : undefined;
    yield* walkFolder(options, folder, lists);
    yield [{ type: 'folder-done', path: folder.path, source: folder.source, destination }];
  }
}

function join(root: string, relative: string): string {
  return relative ? `${root}/${relative}` : root;
}
