import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { findDeletionRefusal, type SourceEvidence } from './deletion-guards.js';
import { describeEntryError } from './sync-entry-error.js';
import type { FileMeta, PlanEntry, SyncFileError, SyncRequest, SyncStats } from './types.js';
import { removeEntry, type WriteContext } from './write-entry.js';

/** A destination path with no source counterpart; folders come after their content (the walk's order). */
export interface PendingDeletion {
  path: string;
  kind: FileMeta['kind'];
  /** Why it goes, when not simply "not in the source". */
  reason?: string;
}

export interface DeletionScope {
  request: SyncRequest;
  context: WriteContext;
  source: SourceEvidence;
  errors: SyncFileError[];
  warnings: string[];
  stats: SyncStats;
  report: (entry: PlanEntry) => void;
  /** Called before a path is removed: its folder is about to be written. */
  onRemoving: (path: string) => void;
  /** Called after each deletion tried, so a long pass shows progress. */
  onProgress: () => void;
}

// A long pass yields now and then, so that a stop request and progress messages are served.
const EVENT_LOOP_SLICE_MS = 20;

/**
 * The last step of a run, and the only destructive one: it runs after every copy succeeded, never when the
 * source has nothing to mirror or is no longer the folder the run started from (deletion-guards), and never
 * for more than `maxDelete` files; a refusal deletes nothing at all. Excluded paths were never listed, so they
 * are never deleted. Says whether the deletions ran.
 */
export async function deleteExtraneous(
  deletions: readonly PendingDeletion[],
  scope: DeletionScope,
): Promise<'ran' | 'held back'> {
  const { request, errors } = scope;
  const fileCount = deletions.filter((deletion) => deletion.kind !== 'dir').length;
  if (errors.length > 0) {
    scope.warnings.push(
      `${fileCount} deletion(s) skipped because the run had errors; they run once a run succeeds`,
    );
    return 'held back';
  }
  const refusal = findDeletionRefusal(request, scope.source);
  if (refusal) {
    errors.push(refusal);
    return 'held back';
  }
  if (request.maxDelete !== undefined && fileCount > request.maxDelete) {
    errors.push({
      path: '',
      code: 'MAX_DELETE',
      message: `refusing to delete ${fileCount} files, more than max_delete = ${request.maxDelete}; nothing was deleted`,
    });
    return 'held back';
  }
  let sliceStartedAt = performance.now();
  for (const deletion of deletions) {
    if (request.signal?.aborted) return 'held back';
    try {
      if (!request.dryRun) {
        scope.onRemoving(deletion.path);
        if (removeEntry(deletion.path, deletion.kind, scope.context) === 'kept') continue;
      }
      scope.report({
        action: 'delete',
        path: deletion.path,
        kind: deletion.kind,
        reason: deletion.reason ?? 'not in the source',
      });
      if (deletion.kind !== 'dir') {
        scope.stats.deleted++;
        if (scope.context.trash) scope.stats.trashed++;
      }
    } catch (error) {
      errors.push({ path: deletion.path, ...describeEntryError(error) });
    } finally {
      scope.onProgress();
    }
    if (performance.now() - sliceStartedAt > EVENT_LOOP_SLICE_MS) {
      await yieldToEventLoop();
      sliceStartedAt = performance.now();
    }
  }
  return 'ran';
}
