import fs from 'node:fs';
import path from 'node:path';
import type { SyncFileError } from '../engine/types.js';

/** Errors a run's result carries over IPC and into status; `stats.errors` counts them all. */
export const REPORTED_ERRORS = 20;
/** Paths looked up to tell folders from files: a run with a million errors is not stat'ed a million times. */
const MAX_FOLDER_LOOKUPS = 10_000;
/** Codes the engine gives an error about a whole subtree (or the whole run) rather than one file. */
const SUBTREE_CODES: ReadonlySet<string> = new Set(['SOURCE_EMPTY', 'MAX_DELETE', 'FOLDER_NOT_EMPTY']);

/**
 * The errors worth showing when there are too many to show: those about the whole run, then those about a whole
 * folder (a subtree that was not synced at all), then the first of the rest.
 */
export function selectReportedErrors(
  errors: readonly SyncFileError[],
  isFolder: (relativePath: string) => boolean,
  limit = REPORTED_ERRORS,
): SyncFileError[] {
  if (errors.length <= limit) return [...errors];
  const runLevel: SyncFileError[] = [];
  const folderLevel: SyncFileError[] = [];
  const others: SyncFileError[] = [];
  let lookups = 0;
  for (const error of errors) {
    if (error.path === '' || error.path === '.') runLevel.push(error);
    else if (SUBTREE_CODES.has(error.code) || (lookups++ < MAX_FOLDER_LOOKUPS && isFolder(error.path)))
      folderLevel.push(error);
    else if (others.length < limit) others.push(error);
  }
  return [...runLevel, ...folderLevel, ...others].slice(0, limit);
}

/** Whether the path is a folder in the source or in the destination (an unreadable folder is still listed). */
export function folderOnEitherSide(source: string, destination: string): (relativePath: string) => boolean {
  const isFolderAt = (root: string, relativePath: string) => {
    try {
      return fs.lstatSync(path.join(root, relativePath), { throwIfNoEntry: false })?.isDirectory() === true;
    } catch {
      // Below a folder that cannot be entered (EACCES, ENOTDIR): not known to be a folder.
      return false;
    }
  };
  return (relativePath) => isFolderAt(source, relativePath) || isFolderAt(destination, relativePath);
}
