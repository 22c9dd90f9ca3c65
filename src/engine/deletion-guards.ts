import fs from 'node:fs';
import path from 'node:path';
import type { Roots } from './inspect-roots.js';
import { isTempName } from './temp-names.js';
import type { SyncFileError, SyncRequest } from './types.js';

/** What the run saw of its source, for the checks before anything is deleted. */
export interface SourceEvidence {
  roots: Roots;
  /** Whether the walk met at least one included source file or symlink: something the run mirrors. */
  hasContent: boolean;
}

/**
 * Why no deletion may run, or undefined when they may: a source with nothing to mirror (a freshly formatted or
 * replaced drive holding only `lost+found`, or only excluded entries), a missing marker file, or a source root
 * that is gone, replaced (another device or inode: a share unmounted mid-run) or emptied since the start.
 */
export function findDeletionRefusal(request: SyncRequest, source: SourceEvidence): SyncFileError | undefined {
  const refuse = (code: string, why: string): SyncFileError => ({
    path: '',
    code,
    message: `refusing to delete: ${why}; nothing was deleted`,
  });
  if (request.sourceMarker !== undefined) {
    const marker = path.join(request.source, request.sourceMarker);
    if (!fs.existsSync(marker)) {
      return refuse(
        'SOURCE_MARKER_MISSING',
        `the marker file ${marker} (source_marker) is not in the source; create it once the source is the right one`,
      );
    }
  }
  if (!source.hasContent) {
    return refuse(
      'SOURCE_EMPTY',
      `the source ${request.source} is empty of anything to mirror (no file or symlink: only empty folders or excluded entries) while the destination has content (an unmounted or replaced drive?)`,
    );
  }
  let now: fs.Stats | undefined;
  let names: string[] = [];
  try {
    now = fs.statSync(request.source, { throwIfNoEntry: false });
    if (now?.isDirectory()) names = fs.readdirSync(request.source);
  } catch (error) {
    return refuse(
      'SOURCE_UNREADABLE',
      `the source ${request.source} became unreadable during the run (${(error as Error).message})`,
    );
  }
  if (!now) return refuse('SOURCE_MISSING', `the source ${request.source} vanished during the run`);
  if (now.dev !== source.roots.sourceDevice || now.ino !== source.roots.source.ino || !now.isDirectory()) {
    return refuse(
      'SOURCE_CHANGED',
      `the source ${request.source} is no longer the folder the run started from (another device or inode: unmounted or replaced during the run?)`,
    );
  }
  if (names.every(isTempName)) {
    return refuse(
      'SOURCE_EMPTY',
      `the source ${request.source} became empty during the run (an unmounted drive?)`,
    );
  }
  return undefined;
}
