import fs from 'node:fs';
import { decodeNameBytes, fsPath } from './byte-names.js';
import { describeEntryError } from './sync-entry-error.js';
import type { EntryKind, FileMeta } from './types.js';

export interface FolderEntry {
  name: string;
  meta: FileMeta;
}

export type FolderListing =
  | { status: 'ok'; entries: FolderEntry[] }
  | { status: 'missing' }
  | { status: 'error'; code: string; message: string };

/**
 * Lists one folder with one lstat per entry, sorted by name so both sides can be merged in one pass.
 * Synchronous on purpose: measured on 20,000 files, sync lstat costs ~100 ms where the promise API costs
 * ~500 ms, and a runner owns its process; the walker yields to the event loop between folders.
 * Only folders known to exist are listed: one that is gone (ENOENT) or cannot be entered is an error, never an
 * empty folder, or the mirror of everything below it would be deleted.
 */
export function readFolder(absolutePath: string): FolderListing {
  const folder = fsPath(absolutePath);
  // Whether paths here need their exact bytes (a name or the folder's own path is not UTF-8).
  let byteExact = typeof folder !== 'string';
  let names: string[];
  try {
    names = fs.readdirSync(folder);
    // readdir puts U+FFFD for bytes that are not UTF-8, which would lose the name: such a folder is read again
    // as bytes (see byte-names), only then.
    if (names.some((name) => name.includes('\uFFFD'))) {
      names = fs.readdirSync(folder, { encoding: 'buffer' }).map(decodeNameBytes);
      byteExact = true;
    }
  } catch (error) {
    return { status: 'error', ...describeEntryError(error) };
  }
  names.sort();
  const entries: FolderEntry[] = [];
  for (const name of names) {
    const entryPath = `${absolutePath}/${name}`;
    let stats: fs.Stats | undefined;
    try {
      // A file removed between readdir and lstat simply is not there.
      stats = fs.lstatSync(byteExact ? fsPath(entryPath) : entryPath, { throwIfNoEntry: false });
    } catch (error) {
      // Listed but not searchable (a folder of mode 0644): nothing in it can be read, the folder is unreadable.
      return { status: 'error', ...describeEntryError(error) };
    }
    if (stats) entries.push({ name, meta: toFileMeta(stats) });
  }
  return { status: 'ok', entries };
}

export function toFileMeta(stats: fs.Stats): FileMeta {
  return {
    kind: kindOf(stats),
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    mode: stats.mode & 0o7777,
    ino: stats.ino,
  };
}

function kindOf(stats: fs.Stats): EntryKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'special';
}
