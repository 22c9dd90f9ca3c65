import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import fs from 'node:fs/promises';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { fsPath } from './byte-names.js';
import { hashFile } from './hash-file.js';
import { PathMap } from './path-map.js';
import type { FileMeta } from './types.js';

const FORMAT = 'sync-daemon-metadata-cache';
const VERSION = 3;
/** Version 2 records have no `written` flag: read as 0, they lose nothing. */
const READABLE_VERSIONS = new Set([2, VERSION]);
// A file changed within this window of being hashed may change again without its times moving (coarse
// timestamps): like git's "racily clean" entries, such hashes are used once and never trusted from disk.
const RACY_WINDOW_MS = 2000;

/**
 * [size, mtimeMs, ctimeMs, ino, hash, hashedAtMs, run that last met the path, written]: `written` is 1 for a
 * copy this engine made (see rememberCopy), whose racy window counts from its mtime alone.
 */
type CacheRecord = [number, number, number, number, string, number, number, 0 | 1];

// A warm process (a runner) keeps what it loaded: the next run reuses it while the file on disk is the one it
// wrote or read, instead of parsing tens of thousands of records again (measured: most of a cached no-op run).
const loadedFiles = new Map<string, { records: PathMap<CacheRecord>; stamp: string }>();
let runCounter = 0;

/**
 * Content hashes keyed by path and guarded by size, mtime, ctime and inode, so a checksum run over unchanged
 * files reads no contents. A file on disk whose checksum does not match is ignored and rebuilt.
 */
export class MetadataCache {
  private readonly records: PathMap<CacheRecord>;
  private readonly run = ++runCounter;
  private dirty = false;
  private readonly lastFolders = new Map<string, { folder: string; path: string }>();

  private constructor(
    private readonly file: string | undefined,
    private readonly ttlMs: number,
    records: PathMap<CacheRecord>,
    readonly warning: string | undefined,
  ) {
    this.records = records;
  }

  /** Opens the cache file (or an in-memory cache without one); never throws for a bad file. */
  static async open(file: string | undefined, ttlMs: number): Promise<MetadataCache> {
    if (!file) return new MetadataCache(undefined, ttlMs, new PathMap(), undefined);
    const { records, warning } = await readCacheFile(file);
    return new MetadataCache(file, ttlMs, records, warning);
  }

  /**
   * The content hash of the file `name` in the folder `folder` (relative to `root`), from the cache when its
   * record still describes the file, else by reading it (synchronously for a small file, so a cached or small
   * file costs no promise). Given in three parts, so a cached file costs no path: building and splitting one
   * per file was most of a cached no-op's extra cost.
   */
  hash(root: string, folder: string, name: string, meta: FileMeta): string | Promise<string> {
    const folderPath = this.folderPath(root, folder);
    const record = this.records.getIn(folderPath, name);
    if (record && isFresh(record, meta, this.ttlMs, Date.now())) {
      record[6] = this.run;
      return record[4];
    }
    const path = `${folderPath}/${name}`;
    const hash = hashFile(path, meta.size);
    return typeof hash === 'string'
      ? this.check(path, meta, hash)
      : hash.then((value) => this.check(path, meta, value));
  }

  // The walk gives a folder's files one after another: its path is built once per folder and side.
  private folderPath(root: string, folder: string): string {
    const last = this.lastFolders.get(root);
    if (last?.folder === folder) return last.path;
    const path = folder ? `${root}/${folder}` : root;
    this.lastFolders.set(root, { folder, path });
    return path;
  }

  // A file changed while being read has a hash of no single version: it is not remembered, and it is marked so
  // that it never equals a real hash (the file is then copied, and the copy checks for changes itself).
  private check(path: string, meta: FileMeta, hash: string): string {
    const after = lstatSync(fsPath(path));
    if (after.mtimeMs !== meta.mtimeMs || after.ctimeMs !== meta.ctimeMs || after.size !== meta.size) {
      this.records.delete(path);
      return `changed:${hash}`;
    }
    this.remember(path, meta, hash);
    return hash;
  }

  /** Records a hash known without reading the file. */
  remember(path: string, meta: FileMeta, hash: string): void {
    this.records.set(path, [meta.size, meta.mtimeMs, meta.ctimeMs, meta.ino, hash, Date.now(), this.run, 0]);
    this.dirty = true;
  }

  /**
   * Gives the copy this run just made of a source file (`source` as the walk listed it) its source's hash, so the
   * next run need not read the copy. Sound only when the copy holds exactly the bytes that were hashed: the
   * source's record must be trusted as a record on disk would be (outside the racy window, so the source cannot
   * have changed unseen since), and the source must still be that file now, after the copy read it.
   *
   * The copy's own ctime is the moment its times were set, always "just now", so the racy window of a copy counts
   * from its mtime alone: that is the source's, set by the engine, and any later write to the copy moves it to
   * the present, far from the recorded value. (Only a writer that restored the old mtime within the same clock
   * tick as the engine's own change could go unseen, as with any record.)
   */
  rememberCopy(sourcePath: string, source: FileMeta, copyPath: string): void {
    const record = this.records.get(sourcePath);
    const now = Date.now();
    if (!record || !isFresh(record, source, this.ttlMs, now)) return;
    if (!sameFile(record, lstatSync(fsPath(sourcePath)))) return;
    const copy = lstatSync(fsPath(copyPath));
    const entry: CacheRecord = [copy.size, copy.mtimeMs, copy.ctimeMs, copy.ino, record[4], now, this.run, 1];
    if (!isRacy(entry)) {
      this.records.set(copyPath, entry);
      this.dirty = true;
    }
  }

  /** Writes the cache if it changed; with `prune`, drops the paths this run did not meet (deleted files). */
  async save({ prune }: { prune: boolean }): Promise<void> {
    if (!this.file) return;
    if (prune && this.records.deleteWhere((record) => record[6] !== this.run) > 0) this.dirty = true;
    if (!this.dirty) return;
    const body = JSON.stringify(Object.fromEntries(this.records.entries()));
    const header = JSON.stringify({
      format: FORMAT,
      version: VERSION,
      checksum: checksumOf(body),
      entries: this.records.size,
    });
    await writeFileAtomic(this.file, `${header}\n${body}\n`);
    this.dirty = false;
    loadedFiles.set(this.file, { records: this.records, stamp: stampOf(await fs.stat(this.file)) });
  }
}

// Indexed, not destructured: array destructuring goes through the iterator protocol, and these run twice per
// file of a checksum run (measured: ~1 µs a call of `hash`, most of a cached no-op's extra cost).
function sameFile(
  record: CacheRecord,
  meta: Pick<FileMeta, 'size' | 'mtimeMs' | 'ctimeMs' | 'ino'>,
): boolean {
  return (
    record[0] === meta.size &&
    record[1] === meta.mtimeMs &&
    record[2] === meta.ctimeMs &&
    record[3] === meta.ino
  );
}

function isFresh(record: CacheRecord, meta: FileMeta, ttlMs: number, now: number): boolean {
  return sameFile(record, meta) && !isRacy(record) && now - record[5] < ttlMs;
}

// Hashed so soon after the file's last change that a change in the same timestamp granule could be unseen.
function isRacy(record: CacheRecord): boolean {
  const changedAtMs = record[7] ? record[1] : Math.max(record[1], record[2]);
  return record[5] - changedAtMs < RACY_WINDOW_MS;
}

async function readCacheFile(file: string): Promise<{ records: PathMap<CacheRecord>; warning?: string }> {
  let text: string;
  let stamp: string;
  try {
    stamp = stampOf(await fs.stat(file));
    const loaded = loadedFiles.get(file);
    if (loaded?.stamp === stamp) return { records: loaded.records };
    loadedFiles.delete(file);
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: new PathMap() };
    return {
      records: new PathMap(),
      warning: `metadata cache ${file} unreadable (${(error as Error).message}); rebuilding it`,
    };
  }
  const newline = text.indexOf('\n');
  try {
    const header = JSON.parse(text.slice(0, newline)) as {
      format?: unknown;
      version?: unknown;
      checksum?: unknown;
    };
    const body = text.slice(newline + 1).trimEnd();
    if (
      header.format !== FORMAT ||
      !READABLE_VERSIONS.has(header.version as number) ||
      header.checksum !== checksumOf(body)
    ) {
      throw new Error('header or checksum does not match');
    }
    const records = new PathMap<CacheRecord>();
    for (const [path, record] of Object.entries(JSON.parse(body) as Record<string, unknown>)) {
      if (isCacheRecord(record)) records.set(path, record.length === 7 ? [...record, 0] : record);
    }
    loadedFiles.set(file, { records, stamp });
    return { records };
  } catch (error) {
    return {
      records: new PathMap(),
      warning: `metadata cache ${file} is corrupt (${(error as Error).message}); rebuilding it`,
    };
  }
}

function isCacheRecord(
  value: unknown,
): value is CacheRecord | [number, number, number, number, string, number, number] {
  return (
    Array.isArray(value) &&
    (value.length === 7 || (value.length === 8 && (value[7] === 0 || value[7] === 1))) &&
    [0, 1, 2, 3, 5, 6].every((index) => typeof value[index] === 'number') &&
    typeof value[4] === 'string'
  );
}

function stampOf(stats: { size: number; mtimeMs: number; ino: number }): string {
  return `${stats.size}:${stats.mtimeMs}:${stats.ino}`;
}

function checksumOf(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}
