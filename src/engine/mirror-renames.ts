import fs from 'node:fs';
import { fsPath } from './byte-names.js';
import type { PathFilter } from './compile-filters.js';
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
 * the destination, and the moved entry looks the same: a file of the same size and modification time, a folder
 * whose names are nearly all the same. The walk that follows syncs the new side as a subtree, so a pair taken
 * wrongly costs copies, never a wrong mirror.
 */
export function mirrorRenames(paths: readonly string[], rules: RenameRules): MirroredRename[] {
  const removed: string[] = [];
  const created: string[] = [];
  for (const path of paths) {
    if (!path || isTempName(path.slice(path.lastIndexOf('/') + 1)) || isExcluded(path, rules.excluded))
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
  for (const to of created) {
    const target = lstat(rules.source, to);
    if (!target || lstat(rules.destination, to) || !isFolder(rules.destination, parentOf(to))) continue;
    const from = removed.find(
      (candidate) => !taken.has(candidate) && looksMoved(rules, candidate, to, target),
    );
    if (!from) continue;
    const kind = target.isDirectory() ? 'dir' : 'file';
    if (rules.maxDelete !== undefined && countFiles(rules.destination, from) > rules.maxDelete) continue;
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
  if (target.isFile())
    return old.isFile() && old.size === target.size && Math.abs(old.mtimeMs - target.mtimeMs) < 1;
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

function isExcluded(path: string, excluded: PathFilter): boolean {
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1))
    if (excluded(path.slice(0, slash), true)) return true;
  return excluded(path, false) || excluded(path, true);
}

function lstat(root: string, path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(fsPath(path ? `${root}/${path}` : root));
  } catch {
    return undefined;
  }
}

function isFolder(root: string, path: string): boolean {
  return lstat(root, path)?.isDirectory() === true;
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

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function depth(path: string): number {
  let count = 0;
  for (let index = path.indexOf('/'); index !== -1; index = path.indexOf('/', index + 1)) count++;
  return count;
}
