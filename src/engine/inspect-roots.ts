import fs from 'node:fs';
import { destinationStoresCoarseTimes } from './destination-time-precision.js';
import { toFileMeta } from './read-folder.js';
import { describeEntryError } from './sync-entry-error.js';
import type { FileMeta } from './types.js';

export interface Roots {
  source: FileMeta;
  /** The source root's device: with its inode, what tells the same folder from another mounted in its place. */
  sourceDevice: number;
  destination: FileMeta | undefined;
  /** Whether the destination's filesystem may store times coarsely: then a near whole-second time is the same. */
  coarseDestinationTimes: boolean;
}

/** Checks both roots before anything runs; a root (not a file) that is missing or unreadable fails the run. */
export function inspectRoots(source: string, destination: string): Roots | { error: string; code: string } {
  const sourceStats = fs.statSync(source, { throwIfNoEntry: false });
  if (!sourceStats) return { error: `source folder ${source} does not exist`, code: 'SOURCE_MISSING' };
  if (!sourceStats.isDirectory())
    return { error: `source ${source} is not a folder`, code: 'SOURCE_NOT_FOLDER' };
  try {
    fs.readdirSync(source);
  } catch (error) {
    const { code, message } = describeEntryError(error);
    return { error: `source folder ${source} is unreadable: ${message}`, code };
  }
  const destinationStats = fs.statSync(destination, { throwIfNoEntry: false });
  if (destinationStats && !destinationStats.isDirectory()) {
    return { error: `destination ${destination} exists and is not a folder`, code: 'DESTINATION_NOT_FOLDER' };
  }
  return {
    source: toFileMeta(sourceStats),
    sourceDevice: sourceStats.dev,
    destination: destinationStats ? toFileMeta(destinationStats) : undefined,
    coarseDestinationTimes: destinationStoresCoarseTimes(destination),
  };
}
