import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SMALL_FILE_BYTES } from '../../src/engine/hash-file.js';
import type { SeededRandom } from './seeded-random.js';

/*
 * Seeded random trees for the differential test: names, sizes, links, modes and times a user's tree may have,
 * and the changes it goes through. Everything is synchronous and draws only from the SeededRandom it is given,
 * so a seed always makes the same tree and the same mutations.
 */

// Spaces, quotes, tabs, a newline, leading dashes, unicode (composed and decomposed é), glob characters, names
// that differ only in case, and the names the differential test's filters are about.
const NAMES = [
  'plain',
  'with space',
  ' leading space',
  'trailing space ',
  "it's",
  '"quoted"',
  'tab\there',
  'new\nline',
  '-leading-dash',
  '--double-dash',
  'ünïcødé',
  '\u00e9t\u00e9',
  'e\u0301te\u0301',
  '日本語',
  'emoji 🎉',
  'Case',
  'case',
  'CASE',
  '.hidden',
  'back\\slash',
  'star*',
  'question?',
  '[brackets]',
  '#hash',
  '!bang',
  'a.b.c',
];
// What the differential test's filters match (and nearly match), drawn often enough to meet every filter.
const FILTERED_NAMES = ['x.tmp', 'keep.tmp', 'cache', 'Cache', 'build', '.git', 'logs', 'app.log', 'x.log'];
const EXTENSIONS = ['', '', '', '.txt', '.bin', '.tmp', '.log', '.TXT'];
const FILE_MODES = [0o644, 0o644, 0o600, 0o755, 0o700, 0o640, 0o444, 0o400, 0o664];
const FOLDER_MODES = [0o755, 0o755, 0o700, 0o750, 0o775, 0o555, 0o1777];
const LINK_TARGETS = [
  'plain',
  '../plain',
  '.',
  '..',
  'missing target',
  '/etc/hostname',
  '/nonexistent/absolute path',
  'with space/new\nline',
  'x.tmp',
  'cache',
  '../../../../../../escapes',
];
const MAX_DEPTH = 3;

export interface RandomTreeOptions {
  /** About how many entries the tree gets (the root's subtree stops growing past it). */
  entries: number;
  /** Files of SMALL_FILE_BYTES or more: the engine copies those another way than small ones. */
  largeFiles: number;
}

export type EntryKind = 'file' | 'dir' | 'symlink';

/** Makes a fresh random tree at `root` (which must not exist). */
export function generateRandomTree(root: string, random: SeededRandom, options: RandomTreeOptions): void {
  fs.mkdirSync(root);
  let budget = options.entries;
  const fill = (folder: string, depth: number) => {
    // A root with a few entries at least: an empty source is the empty-source guard's case, not a mirror's.
    const count = depth === 0 ? random.int(3, 12) : random.int(0, 7);
    for (let index = 0; index < count && budget > 0; index++, budget--) {
      const kind = random.weighted<EntryKind>({ file: 6, dir: depth < MAX_DEPTH ? 2 : 0, symlink: 1.5 });
      const target = path.join(folder, freeName(folder, random));
      makeEntry(target, kind, random);
      if (kind === 'dir') fill(target, depth + 1);
    }
  };
  fill(root, 0);
  const files = listEntries(root).filter((entry) => entry.kind === 'file');
  for (let index = 0; index < options.largeFiles && files.length > 0; index++) {
    writeFile(path.join(root, random.pick(files).path), random, largeSize(random));
  }
  settleTimes(root, random);
}

/** Applies `count` random changes to the tree at `root`; returns what each one did, for a failure message. */
export function mutateRandomTree(root: string, random: SeededRandom, count: number): string[] {
  const done: string[] = [];
  for (let index = 0; index < count; index++) {
    const entries = listEntries(root);
    const folders = ['', ...entries.filter((entry) => entry.kind === 'dir').map((entry) => entry.path)];
    const mutation = random.weighted({
      edit: 4,
      delete: 2,
      create: 3,
      swap: 2,
      chmod: 2,
      touch: 2,
      rename: 1,
    });
    if (entries.length === 0 || mutation === 'create') {
      const folder = random.pick(folders);
      const relative = path.join(folder, freeName(path.join(root, folder), random));
      const kind = random.weighted<EntryKind>({ file: 3, dir: 1, symlink: 1 });
      makeEntry(path.join(root, relative), kind, random);
      if (kind === 'dir' && random.chance(0.5)) {
        makeEntry(path.join(root, relative, freeName(path.join(root, relative), random)), 'file', random);
      }
      done.push(`create ${kind} ${JSON.stringify(relative)}`);
      continue;
    }
    const entry = random.pick(entries);
    const absolute = path.join(root, entry.path);
    const name = JSON.stringify(entry.path);
    switch (mutation) {
      case 'edit': {
        if (entry.kind !== 'file') {
          // Only a file has content; a link gets a new target instead.
          if (entry.kind === 'symlink') {
            fs.rmSync(absolute);
            fs.symlinkSync(random.pick(LINK_TARGETS), absolute);
            done.push(`relink ${name}`);
          } else done.push(`(no edit of folder ${name})`);
          break;
        }
        const before = fs.statSync(absolute, { bigint: true });
        const keepSize = random.chance(0.3);
        writeFile(absolute, random, keepSize ? Number(before.size) : fileSize(random));
        // Same size: either a plain write (mtime now) or a write that puts the old mtime back.
        if (keepSize && random.chance(0.3)) setExactMtime(absolute, before.mtimeNs);
        done.push(`edit ${name}${keepSize ? ' (same size)' : ''}`);
        break;
      }
      case 'delete':
        fs.rmSync(absolute, { recursive: true, force: true });
        done.push(`delete ${entry.kind} ${name}`);
        break;
      case 'swap': {
        const kind = random.pick(
          (['file', 'dir', 'symlink'] as const).filter((other) => other !== entry.kind),
        );
        fs.rmSync(absolute, { recursive: true, force: true });
        makeEntry(absolute, kind, random);
        if (kind === 'dir' && random.chance(0.6)) {
          makeEntry(path.join(absolute, freeName(absolute, random)), 'file', random);
        }
        done.push(`swap ${entry.kind} → ${kind} at ${name}`);
        break;
      }
      case 'chmod':
        if (entry.kind === 'symlink') {
          done.push(`(no chmod of symlink ${name})`);
          break;
        }
        fs.chmodSync(absolute, random.pick(entry.kind === 'dir' ? FOLDER_MODES : FILE_MODES));
        done.push(`chmod ${name}`);
        break;
      case 'touch': {
        const before = fs.lstatSync(absolute).mtimeMs;
        // Sometimes a sub-second step, sometimes days; either way, both tools must see it.
        const mtimeMs = random.chance(0.5)
          ? before + (random.pick([-1, 1]) * random.int(1, 999_999)) / 1000
          : randomMtimeMs(random);
        fs.lutimesSync(absolute, mtimeMs / 1000, mtimeMs / 1000);
        done.push(`touch ${name} from ${before} to ${mtimeMs}`);
        break;
      }
      case 'rename': {
        const folder = random.pick(folders.filter((other) => !isWithin(other, entry.path)));
        const relative = path.join(folder, freeName(path.join(root, folder), random));
        fs.renameSync(absolute, path.join(root, relative));
        done.push(`rename ${entry.kind} ${name} → ${JSON.stringify(relative)}`);
        break;
      }
      default:
        throw new Error(`unexpected mutation ${mutation}`);
    }
  }
  return done;
}

/**
 * Puts the same new entry into every one of `roots` (mirrors that agree): what a user or an application adds to
 * a destination by hand, an excluded `x.tmp` as well as a stray file a mirror deletes. Returns what it did.
 */
export function addToDestinations(roots: readonly string[], random: SeededRandom): string {
  const [first, ...others] = roots;
  if (!first) throw new Error('no destination to add to');
  const folders = [
    '',
    ...listEntries(first)
      .filter((entry) => entry.kind === 'dir')
      .map((entry) => entry.path),
  ];
  const folder = random.pick(folders);
  const relative = path.join(folder, freeName(path.join(first, folder), random));
  const kind = random.weighted<EntryKind>({ file: 3, dir: 1, symlink: 1 });
  makeEntry(path.join(first, relative), kind, random);
  if (kind === 'dir')
    makeEntry(path.join(first, relative, freeName(path.join(first, relative), random)), 'file', random);
  for (const other of others) {
    // cp -a keeps modes and nanosecond times: the mirrors still agree, folder times apart (set below).
    const copy = spawnSync('cp', ['-a', path.join(first, relative), path.join(other, relative)]);
    if (copy.status !== 0) throw new Error(`cp -a ${relative}: ${copy.stderr}`);
    const folderTime = fs.statSync(path.join(first, folder), { bigint: true }).mtimeNs;
    setExactMtime(path.join(other, folder), folderTime);
  }
  return `add ${kind} ${JSON.stringify(relative)} to the destinations`;
}

/** Every path under `root` with its kind, parents before children, sorted by name within a folder. */
export function listEntries(root: string): { path: string; kind: EntryKind }[] {
  const entries: { path: string; kind: EntryKind }[] = [];
  const visit = (relative: string) => {
    for (const name of fs.readdirSync(path.join(root, relative)).sort()) {
      const child = relative ? `${relative}/${name}` : name;
      const stats = fs.lstatSync(path.join(root, child));
      const kind = stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'symlink' : 'file';
      entries.push({ path: child, kind });
      if (kind === 'dir') visit(child);
    }
  };
  visit('');
  return entries;
}

function makeEntry(target: string, kind: EntryKind, random: SeededRandom): void {
  if (kind === 'dir') {
    fs.mkdirSync(target);
    fs.chmodSync(target, random.pick(FOLDER_MODES));
  } else if (kind === 'symlink') {
    fs.symlinkSync(random.pick(LINK_TARGETS), target);
  } else {
    writeFile(target, random, fileSize(random));
    fs.chmodSync(target, random.pick(FILE_MODES));
  }
  const mtimeMs = randomMtimeMs(random);
  if (random.chance(0.7)) fs.lutimesSync(target, mtimeMs / 1000, mtimeMs / 1000);
}

// Replaces content in place (same inode, same mode), as an editor that rewrites a file does.
function writeFile(target: string, random: SeededRandom, size: number): void {
  fs.writeFileSync(target, random.bytes(size));
}

/**
 * Puts back a time to the nanosecond: utimes() in Node takes a double number of seconds that libuv truncates to
 * microseconds, which can move the time by 1 µs, a change rsync (comparing nanoseconds) would see.
 */
function setExactMtime(target: string, mtimeNs: bigint): void {
  const seconds = mtimeNs / 1_000_000_000n;
  const nanoseconds = (mtimeNs % 1_000_000_000n).toString().padStart(9, '0');
  const touch = spawnSync('touch', ['-m', '-d', `@${seconds}.${nanoseconds}`, target]);
  if (touch.status !== 0) throw new Error(`touch ${target}: ${touch.stderr}`);
}

function fileSize(random: SeededRandom): number {
  switch (random.weighted({ empty: 1, tiny: 4, small: 3, medium: 1 })) {
    case 'empty':
      return 0;
    case 'tiny':
      return random.int(1, 300);
    case 'small':
      return random.int(301, 16_384);
    default:
      // Around 64 KiB, on both sides of it.
      return random.int(60_000, 140_000);
  }
}

function largeSize(random: SeededRandom): number {
  return SMALL_FILE_BYTES + random.int(0, 70_000);
}

// Whole seconds, milliseconds and microseconds, from 2001 to 2037.
function randomMtimeMs(random: SeededRandom): number {
  const seconds = random.int(1_000_000_000, 2_100_000_000);
  const fraction = random.weighted({ whole: 2, milliseconds: 1, microseconds: 2 });
  const fractionMs =
    fraction === 'whole'
      ? 0
      : fraction === 'milliseconds'
        ? random.int(0, 999)
        : random.int(0, 999_999) / 1000;
  return seconds * 1000 + fractionMs;
}

// Folder times last, deepest first: writing into a folder moves its mtime. Some keep "now" from the writes.
function settleTimes(root: string, random: SeededRandom): void {
  const folders = listEntries(root)
    .filter((entry) => entry.kind === 'dir')
    .map((entry) => entry.path)
    .reverse();
  for (const folder of [...folders, '']) {
    if (random.chance(0.2)) continue;
    const mtimeMs = randomMtimeMs(random);
    fs.utimesSync(path.join(root, folder), mtimeMs / 1000, mtimeMs / 1000);
  }
}

function freeName(folder: string, random: SeededRandom): string {
  for (;;) {
    const base = random.pick(random.chance(0.3) ? FILTERED_NAMES : NAMES);
    const name = random.chance(0.5) ? base : `${base}${random.pick(EXTENSIONS)}`;
    const candidate = random.chance(0.2) ? `${name} ${random.int(2, 9)}` : name;
    if (!fs.existsSync(path.join(folder, candidate)) && !isSymlink(path.join(folder, candidate)))
      return candidate;
  }
}

function isSymlink(target: string): boolean {
  return fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
}

function isWithin(candidate: string, folder: string): boolean {
  return candidate === folder || candidate.startsWith(`${folder}/`);
}
