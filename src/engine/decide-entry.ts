import fs from 'node:fs';
import { fsPath } from './byte-names.js';
import { describeMetadataDifference, isSameMtime } from './compare-metadata.js';
import type { MetadataCache } from './metadata-cache.js';
import type { ComparisonMethod, FileMeta, PlanEntry } from './types.js';

export interface DecisionContext {
  source: string;
  destination: string;
  comparison: ComparisonMethod;
  preservePermissions: boolean;
  preserveTimestamps: boolean;
  /** Whether the destination may store times coarsely (destination-time-precision.ts). */
  coarseTimes: boolean;
  cache: MetadataCache;
}

const KIND_NAMES = { file: 'file', dir: 'folder', symlink: 'symlink', special: 'special file' } as const;

/**
 * Decides what to do with one non-folder source entry, reading contents only in checksum mode. Synchronous
 * unless a large file must be hashed: most entries of most runs are skips, and a promise each would cost more.
 */
export function decideEntry(
  entry: { path: string; folder: string; name: string; source: FileMeta; destination: FileMeta | undefined },
  context: DecisionContext,
): PlanEntry | Promise<PlanEntry> {
  const { path, source, destination } = entry;
  if (source.kind === 'special') {
    return {
      path,
      kind: source.kind,
      action: 'skip',
      reason: 'a socket, FIFO or device: only files, folders and symlinks are mirrored',
    };
  }
  if (!destination) {
    return {
      path,
      kind: source.kind,
      action: 'copy',
      reason: `new ${KIND_NAMES[source.kind]}`,
      bytes: contentBytes(source),
    };
  }
  if (destination.kind !== source.kind) {
    return {
      path,
      kind: source.kind,
      action: 'update',
      reason: `replaces a ${KIND_NAMES[destination.kind]}`,
      bytes: contentBytes(source),
    };
  }
  if (source.kind === 'symlink') {
    // Compared as bytes: a target that is not UTF-8 would read alike as a string.
    const sourceTarget = fs.readlinkSync(fsPath(`${context.source}/${path}`), { encoding: 'buffer' });
    const destinationTarget = fs.readlinkSync(fsPath(`${context.destination}/${path}`), {
      encoding: 'buffer',
    });
    if (!sourceTarget.equals(destinationTarget))
      return { path, kind: source.kind, action: 'update', reason: 'link target differs', bytes: 0 };
    // rsync -a gives a link its source's time (lutimes): a link made again with the same target is a new time.
    if (
      context.preserveTimestamps &&
      !isSameMtime(source.mtimeMs, destination.mtimeMs, context.coarseTimes)
    ) {
      return {
        path,
        kind: source.kind,
        action: 'update',
        reason: 'same link target; modification time differs',
        bytes: 0,
        metadataOnly: true,
      };
    }
    return { path, kind: source.kind, action: 'skip', reason: 'same link target' };
  }
  if (source.size !== destination.size)
    return { path, kind: source.kind, action: 'update', reason: 'size differs', bytes: source.size };
  if (context.comparison === 'checksum') {
    const sourceHash = context.cache.hash(context.source, entry.folder, entry.name, source);
    const destinationHash = context.cache.hash(context.destination, entry.folder, entry.name, destination);
    if (typeof sourceHash === 'string' && typeof destinationHash === 'string') {
      return decideByContent(path, sourceHash === destinationHash, source, destination, context);
    }
    return Promise.all([sourceHash, destinationHash]).then(([a, b]) =>
      decideByContent(path, a === b, source, destination, context),
    );
  }
  if (
    context.comparison === 'mtime' &&
    !isSameMtime(source.mtimeMs, destination.mtimeMs, context.coarseTimes)
  ) {
    // Without preserved times every copy is newer than its source; only a newer source means a change.
    if (context.preserveTimestamps || destination.mtimeMs < source.mtimeMs) {
      return {
        path,
        kind: source.kind,
        action: 'update',
        reason: 'modification time differs',
        bytes: source.size,
      };
    }
  }
  return decideByContent(path, true, source, destination, context);
}

function decideByContent(
  path: string,
  sameContent: boolean,
  source: FileMeta,
  destination: FileMeta,
  context: DecisionContext,
): PlanEntry {
  if (!sameContent)
    return { path, kind: source.kind, action: 'update', reason: 'content differs', bytes: source.size };
  const metadataDifference = describeMetadataDifference(source, destination, context);
  if (metadataDifference) {
    return {
      path,
      kind: source.kind,
      action: 'update',
      reason: `same content; ${metadataDifference}`,
      bytes: 0,
      metadataOnly: true,
    };
  }
  return { path, kind: source.kind, action: 'skip', reason: SAME_CONTENT_REASONS[context.comparison] };
}

const SAME_CONTENT_REASONS = {
  mtime: 'same size and modification time',
  size: 'same size',
  checksum: 'same content',
} as const;

function contentBytes(meta: FileMeta): number {
  return meta.kind === 'file' ? meta.size : 0;
}
