import fs from 'node:fs';
import { fsPath } from './byte-names.js';
import { isUnderExcludedFolder, type PathFilter } from './compile-filters.js';
import { isTempName } from './temp-names.js';

/** One rename the destination took in place of a copy and a deletion. */
export interface MirroredRename {
  from: string;
  to: string;
  kind: 'file' | 'dir';
}

export interface RenameRules {
  source: string;
  destination: string;
  /** The job's filters: neither side of a rename may be left out. */
  excluded: PathFilter;
  /** max_delete: the old side counts as the files a full run would have deleted there. */
  maxDelete: number | undefined;
}

/** How similar two folders' listings must be for the later one to be taken for the earlier, moved. */
const SAME_FOLDER_SHARE = 0.9;

/**
 * Mirrors the source's renames among a batch of changed paths as renames in the destination, before the run's
 * walk: a folder of 5,000 files moved is one rename, not 5,000 copies and deletions. The caller allows it only
 * where a full run would delete the old side (deletions on, the delete guards passed). A pair is taken when the
 * old path is gone from the source but still in the destination, the new one is in the source but not yet in
 * the destination, and the moved entry is the same: a file of the same size, time and bytes, a folder whose
 * names are nearly all the same. Together, the renames move no more files than `max_delete`. The walk that follows syncs the new side as a subtree, so a pair taken
 * wrongly costs copies, never a wrong mirror.
 */
export function mirrorRenames(paths: readonly string[], rules: RenameRules): MirroredRename[] {
  const removed: string[] = [];
  const created: string[] = [];
  for (const path of paths) {
    if (
      !path ||
      isTempName(path.slice(path.lastIndexOf('/') + 1)) ||
      isExcludedEitherWay(path, rules.excluded)
    )
      continue;
    const inSource = lstat(rules.source, path);
    const inDestination = lstat(rules.destination, path);
    if (!inSource && inDestination) removed.push(path);
    else if (inSource && !inDestination) created.push(path);
  }
  if (removed.length === 0 || created.length === 0) return [];
  const done: MirroredRename[] = [];
  // Shallowest first: a moved folder is renamed once, and its content, reported too by some backends, then
  // stands where it belongs and is no longer a candidate.
  created.sort((a, b) => depth(a) - depth(b));
  const taken = new Set<string>();
  // What the renames take away from the old sides, counted together against max_delete.
  let moved = 0;
  for (const to of created) {
    const target = lstat(rules.source, to);
    // Every folder on the way a real one on both sides: a symlink there would send the rename out of the tree.
    if (!target || lstat(rules.destination, to) || !throughFolders(rules.destination, to)) continue;
    if (!throughFolders(rules.source, to)) continue;
    const from = removed.find(
      (candidate) =>
        !taken.has(candidate) &&
        throughFolders(rules.destination, candidate) &&
        looksMoved(rules, candidate, to, target),
    );
    if (!from) continue;
    const kind = target.isDirectory() ? 'dir' : 'file';
    const files = countFiles(rules.destination, from);
    if (rules.maxDelete !== undefined && moved + files > rules.maxDelete) continue;
    moved += files;
    try {
      fs.renameSync(fsPath(`${rules.destination}/${from}`), fsPath(`${rules.destination}/${to}`));
    } catch {
      // Whatever stopped it, the walk copies the new side and the deletion phase handles the old one.
      continue;
    }
    taken.add(from);
    done.push({ from, to, kind });
  }
  return done;
}

function looksMoved(rules: RenameRules, from: string, to: string, target: fs.Stats): boolean {
  const old = lstat(rules.destination, from);
  if (!old || lstat(rules.source, from)) return false;
  // A file is taken for the same only with the same bytes: under another name, size and time alone could pair
  // two different files, and the walk after would then trust the wrong copy (it compares size and time).
  if (target.isFile())
    return (
      old.isFile() &&
      old.size === target.size &&
      Math.abs(old.mtimeMs - target.mtimeMs) < 1 &&
      sameContent(`${rules.destination}/${from}`, `${rules.source}/${to}`, old.size)
    );
  if (!target.isDirectory() || !old.isDirectory()) return false;
  const before = namesOf(rules.destination, from);
  const after = namesOf(rules.source, to);
  if (before.size === 0 && after.size === 0) return baseName(from) === baseName(to);
  let shared = 0;
  for (const name of after) if (before.has(name)) shared++;
  return shared >= SAME_FOLDER_SHARE * Math.max(before.size, after.size);
}

/** Files and links under a destination path (1 for a file): what a full run's deletion of it would count. */
function countFiles(root: string, path: string): number {
  const stats = lstat(root, path);
  if (!stats?.isDirectory()) return stats ? 1 : 0;
  let count = 0;
  const pending = [path];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    for (const entry of readFolder(root, folder)) {
      if (entry.isDirectory()) pending.push(`${folder}/${entry.name}`);
      else count++;
    }
  }
  return count;
}

/** Left out as a file or as a folder (a rename is only done where neither could be). */
function isExcludedEitherWay(path: string, excluded: PathFilter): boolean {
  return isUnderExcludedFolder(excluded, path) || excluded(path, false) || excluded(path, true);
}

function lstat(root: string, path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(fsPath(path ? `${root}/${path}` : root));
  } catch {
    return undefined;
  }
}

/** Whether every folder above `path` (not `path` itself) is a real folder, never a symlink. */
function throughFolders(root: string, path: string): boolean {
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1))
    if (lstat(root, path.slice(0, slash))?.isDirectory() !== true) return false;
  return true;
}

const COMPARE_CHUNK = 1 << 20;

/** Byte-for-byte equality of two files of `size` bytes; false on any error. */
function sameContent(first: string, second: string, size: number): boolean {
  let a: number | undefined;
  let b: number | undefined;
  try {
    a = fs.openSync(fsPath(first), 'r');
    b = fs.openSync(fsPath(second), 'r');
    const left = Buffer.allocUnsafe(Math.min(COMPARE_CHUNK, Math.max(size, 1)));
    const right = Buffer.allocUnsafe(left.length);
    for (let offset = 0; offset < size; ) {
      const read = fs.readSync(a, left, 0, left.length, offset);
      if (read === 0 || fs.readSync(b, right, 0, read, offset) !== read) return false;
      if (!left.subarray(0, read).equals(right.subarray(0, read))) return false;
      offset += read;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (a !== undefined) fs.closeSync(a);
    if (b !== undefined) fs.closeSync(b);
  }
}

function readFolder(root: string, path: string): fs.Dirent[] {
  try {
    return fs.readdirSync(fsPath(`${root}/${path}`), { withFileTypes: true });
  } catch {
    return [];
  }
}

function namesOf(root: string, path: string): Set<string> {
  return new Set(readFolder(root, path).map((entry) => entry.name));
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function depth(path: string): number {
  let count = 0;
  for (let index = path.indexOf('/'); index !== -1; index = path.indexOf('/', index + 1)) count++;
  return count;
}
