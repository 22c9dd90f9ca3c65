import fs from 'node:fs';
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
 */
export function readFolder(absolutePath: string): FolderListing {
  let names: string[];
  try {
    names = fs.readdirSync(absolutePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT') return { status: 'missing' };
    return { status: 'error', code, message: (error as Error).message };
  }
  names.sort();
  const entries: FolderEntry[] = [];
  for (const name of names) {
    // A file removed between readdir and lstat simply is not there.
    const stats = fs.lstatSync(`${absolutePath}/${name}`, { throwIfNoEntry: false });
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
