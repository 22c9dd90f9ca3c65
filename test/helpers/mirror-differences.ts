import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One entry of a mirror as the differential test compares it: what `rsync -a` preserves. */
export interface MirrorEntry {
  kind: 'file' | 'dir' | 'symlink' | 'special';
  mode: number;
  mtimeNs: bigint;
  /** Files only (a folder's size says how it was filled, not what it holds). */
  size?: number;
  sha256?: string;
  target?: string;
}

/** Relative path ("." for the root) → entry. */
export type Mirror = Map<string, MirrorEntry>;

/**
 * rsync sets modification times to the nanosecond (utimensat); the engine passes them through utimes() as a
 * double number of seconds, which libuv truncates to microseconds: up to ~2 µs lower (compare-metadata.ts).
 */
export const MTIME_TOLERANCE_NS = 2000n;

export function readMirror(root: string): Mirror {
  const mirror: Mirror = new Map();
  const visit = (relative: string) => {
    const absolute = relative === '.' ? root : path.join(root, relative);
    const stats = fs.lstatSync(absolute, { bigint: true });
    const kind = stats.isFile()
      ? 'file'
      : stats.isDirectory()
        ? 'dir'
        : stats.isSymbolicLink()
          ? 'symlink'
          : 'special';
    const entry: MirrorEntry = { kind, mode: Number(stats.mode & 0o7777n), mtimeNs: stats.mtimeNs };
    if (kind === 'file') {
      entry.size = Number(stats.size);
      entry.sha256 = createHash('sha256').update(fs.readFileSync(absolute)).digest('hex');
    } else if (kind === 'symlink') {
      entry.target = fs.readlinkSync(absolute);
    }
    mirror.set(relative, entry);
    if (kind === 'dir') {
      for (const name of fs.readdirSync(absolute).sort())
        visit(relative === '.' ? name : `${relative}/${name}`);
    }
  };
  visit('.');
  return mirror;
}

export interface MirrorDifference {
  path: string;
  /** What differs: "missing", "kind", "mode", "size", "content", "target" or "mtime". */
  what: string[];
  actual: MirrorEntry | undefined;
  expected: MirrorEntry | undefined;
}

/**
 * Every path where `actual` (the engine's mirror) differs from `expected` (rsync's), in path order. Given the
 * `source`, a folder the source does not have (kept in a mirror for its excluded content) is compared without
 * its time: it has no source time to keep, only that of the deletions made in it.
 */
export function diffMirrors(actual: Mirror, expected: Mirror, source?: Mirror): MirrorDifference[] {
  const paths = [...new Set([...actual.keys(), ...expected.keys()])].sort();
  const differences: MirrorDifference[] = [];
  for (const relative of paths) {
    const a = actual.get(relative);
    const e = expected.get(relative);
    const what: string[] = [];
    if (!a || !e) what.push('missing');
    else if (a.kind !== e.kind) what.push('kind');
    else {
      if (a.mode !== e.mode) what.push('mode');
      if (a.size !== e.size) what.push('size');
      if (a.sha256 !== e.sha256) what.push('content');
      if (a.target !== e.target) what.push('target');
      const hasSourceTime = !source || a.kind !== 'dir' || source.get(relative)?.kind === 'dir';
      if (hasSourceTime && !isSameTime(a.mtimeNs, e.mtimeNs)) what.push('mtime');
    }
    if (what.length > 0) differences.push({ path: relative, what, actual: a, expected: e });
  }
  return differences;
}

function isSameTime(a: bigint, b: bigint): boolean {
  const drift = a - b;
  return drift < MTIME_TOLERANCE_NS && drift > -MTIME_TOLERANCE_NS;
}

/** One line per entry, names quoted so that tabs, newlines and spaces show. */
export function describeMirrorEntry(entry: MirrorEntry | undefined): string {
  if (!entry) return '(absent)';
  const parts = [entry.kind, entry.mode.toString(8).padStart(4, '0'), `mtime ${formatNs(entry.mtimeNs)}`];
  if (entry.size !== undefined) parts.push(`${entry.size} B`, `sha256 ${entry.sha256?.slice(0, 12)}`);
  if (entry.target !== undefined) parts.push(`→ ${JSON.stringify(entry.target)}`);
  return parts.join(' ');
}

function formatNs(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const rest = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${rest}Z`;
}
