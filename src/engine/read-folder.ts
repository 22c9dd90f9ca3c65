import fs from 'node:fs';
import { describeEntryError } from './sync-entry-error.js';
import type { EntryKind, FileMeta } from './types.js';

export interface FolderEntry {
  name: string;
  meta: FileMeta;
}

/** An entry the listing saw but cannot offer: a name that is not valid UTF-8, shown with its bytes escaped. */
export interface UnusableEntry {
  name: string;
  code: string;
  message: string;
}

export type FolderListing =
  | { status: 'ok'; entries: FolderEntry[]; unusable?: UnusableEntry[] }
  | { status: 'missing' }
  | { status: 'error'; code: string; message: string };

// What readdir puts for each byte of a name that is not valid UTF-8.
const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * Lists one folder with one lstat per entry, sorted by name so both sides can be merged in one pass.
 * Synchronous on purpose: measured on 20,000 files, sync lstat costs ~100 ms where the promise API costs
 * ~500 ms, and a runner owns its process; the walker yields to the event loop between folders.
 * Only folders known to exist are listed: one that is gone (ENOENT) or cannot be entered is an error, never an
 * empty folder, or the mirror of everything below it would be deleted.
 */
export function readFolder(absolutePath: string): FolderListing {
  let names: string[];
  try {
    names = fs.readdirSync(absolutePath);
  } catch (error) {
    return { status: 'error', ...describeEntryError(error) };
  }
  let unusable: UnusableEntry[] | undefined;
  if (names.some((name) => name.includes(REPLACEMENT_CHARACTER))) {
    ({ names, unusable } = separateInvalidNames(absolutePath));
  }
  names.sort();
  const entries: FolderEntry[] = [];
  for (const name of names) {
    let stats: fs.Stats | undefined;
    try {
      // A file removed between readdir and lstat simply is not there.
      stats = fs.lstatSync(`${absolutePath}/${name}`, { throwIfNoEntry: false });
    } catch (error) {
      // Listed but not searchable (a folder of mode 0644): nothing in it can be read, the folder is unreadable.
      return { status: 'error', ...describeEntryError(error) };
    }
    if (stats) entries.push({ name, meta: toFileMeta(stats) });
  }
  return unusable ? { status: 'ok', entries, unusable } : { status: 'ok', entries };
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

/** A name as a user can read it: bytes that are not valid UTF-8 appear as `\xff`. */
export function escapeNameBytes(bytes: Buffer): string {
  let escaped = '';
  let at = 0;
  while (at < bytes.length) {
    const length = utf8SequenceLength(bytes, at);
    if (length > 0) {
      escaped += bytes.toString('utf8', at, at + length);
      at += length;
    } else {
      escaped += `\\x${(bytes[at] ?? 0).toString(16).padStart(2, '0')}`;
      at++;
    }
  }
  return escaped;
}

/*
 * Paths travel as strings, which cannot hold such a name: readdir would give it with U+FFFD in place of its
 * bad bytes, under which lstat finds nothing (the entry would vanish unreported) or finds a valid name that
 * decodes alike (copied twice, differently, on every run). Listed again as bytes, rarely: only when a name
 * holds U+FFFD at all.
 */
function separateInvalidNames(absolutePath: string): {
  names: string[];
  unusable: UnusableEntry[] | undefined;
} {
  const valid: string[] = [];
  const unusable: UnusableEntry[] = [];
  for (const bytes of fs.readdirSync(absolutePath, { encoding: 'buffer' })) {
    const name = bytes.toString('utf8');
    if (Buffer.from(name).equals(bytes)) valid.push(name);
    else {
      unusable.push({
        name: escapeNameBytes(bytes),
        code: 'INVALID_NAME',
        message: 'name is not valid UTF-8 (bytes shown as \\xNN); it is not synced: rename it',
      });
    }
  }
  return { names: valid, unusable };
}

function utf8SequenceLength(bytes: Buffer, at: number): number {
  const lead = bytes[at] ?? 0;
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : 4;
  if (lead >= 0xf5 || (lead >= 0x80 && lead < 0xc2)) return 0;
  const sequence = bytes.subarray(at, at + length);
  if (sequence.length < length) return 0;
  return Buffer.from(sequence.toString('utf8')).equals(sequence) ? length : 0;
}

function kindOf(stats: fs.Stats): EntryKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'special';
}
