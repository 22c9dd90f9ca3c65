import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fsPath } from './byte-names.js';

const RUN_FOLDER = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-[0-9a-f]{6}$/;

/** Where one run puts what it deletes or overwrites: `<trash>/<UTC time>-<random>/<relative path>`. */
export class RunTrash {
  readonly folder: string;

  private constructor(folder: string) {
    this.folder = folder;
  }

  /** A new run folder under the trash root, named after the time of the run. */
  static create(trashRoot: string, now = new Date()): RunTrash {
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    return new RunTrash(path.join(trashRoot, `${stamp}-${randomBytes(3).toString('hex')}`));
  }

  /** The same run folder, seen from another thread. */
  static at(folder: string): RunTrash {
    return new RunTrash(folder);
  }

  /** Moves a destination path into the trash, keeping its relative path; a rename when possible, else a copy. */
  take(absolutePath: string, relativePath: string): void {
    const target = this.prepare(relativePath);
    try {
      fs.renameSync(fsPath(absolutePath), fsPath(target));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      fs.cpSync(absolutePath, target, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      fs.rmSync(fsPath(absolutePath), { recursive: true, force: true });
    }
  }

  /** Keeps what is about to be overwritten: a hard link costs no space and leaves no moment without a file. */
  keep(absolutePath: string, relativePath: string): void {
    const target = this.prepare(relativePath);
    try {
      fs.linkSync(fsPath(absolutePath), fsPath(target));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
      fs.cpSync(absolutePath, target, { preserveTimestamps: true, verbatimSymlinks: true });
    }
  }

  private prepare(relativePath: string): string {
    const target = path.join(this.folder, relativePath);
    fs.mkdirSync(fsPath(path.dirname(target)), { recursive: true });
    return target;
  }
}

/**
 * Removes run folders older than the retention; resolves to how many went. Names it did not make are left
 * alone. Entry by entry, telling `onEntry` of each and yielding now and then: a purge of a large trash can
 * take minutes, and must show progress and let a stop request in.
 */
export async function purgeTrash(
  trashRoot: string,
  retentionDays: number,
  { now = Date.now(), onEntry = () => {} }: { now?: number; onEntry?: () => void } = {},
): Promise<number> {
  let names: string[];
  try {
    names = fs.readdirSync(trashRoot);
  } catch {
    return 0;
  }
  const slice = { startedAt: performance.now() };
  let removed = 0;
  for (const name of names) {
    const match = RUN_FOLDER.exec(name);
    if (!match) continue;
    const [, year, month, day, hours, minutes, seconds, milliseconds] = match;
    const createdAt = Date.parse(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${milliseconds}Z`);
    if (now - createdAt > retentionDays * 86_400_000) {
      await removeTree(Buffer.from(path.join(trashRoot, name)), onEntry, slice);
      removed++;
    }
  }
  return removed;
}

// A long purge yields this often, so that a stop request and progress messages are served.
const EVENT_LOOP_SLICE_MS = 20;

// Paths as bytes: a name that is not UTF-8 (see byte-names) must go like any other.
async function removeTree(target: Buffer, onEntry: () => void, slice: { startedAt: number }): Promise<void> {
  for (const entry of fs.readdirSync(target, { withFileTypes: true, encoding: 'buffer' })) {
    const child = Buffer.concat([target, Buffer.from('/'), entry.name]);
    if (entry.isDirectory()) await removeTree(child, onEntry, slice);
    else {
      fs.rmSync(child, { force: true });
      onEntry();
    }
    if (performance.now() - slice.startedAt > EVENT_LOOP_SLICE_MS) {
      await yieldToEventLoop();
      slice.startedAt = performance.now();
    }
  }
  fs.rmdirSync(target);
  onEntry();
}
