import { describeEntryError } from './sync-entry-error.js';
import type { FileMeta, PlanEntry, SyncFileError, SyncRequest, SyncStats } from './types.js';
import { removeEntry, type WriteContext } from './write-entry.js';

/** A destination path with no source counterpart; folders come after their content (the walk's order). */
export interface PendingDeletion {
  path: string;
  kind: FileMeta['kind'];
}

export interface DeletionScope {
  request: SyncRequest;
  context: WriteContext;
  sourceIsEmpty: boolean;
  errors: SyncFileError[];
  warnings: string[];
  stats: SyncStats;
  report: (entry: PlanEntry) => void;
  onRemoved: (path: string) => void;
}

/**
 * The last step of a run, and the only destructive one: it runs after every copy succeeded, never when the
 * source is empty while the destination is not, and never for more than `maxDelete` files; a refusal deletes
 * nothing at all. Excluded paths were never listed, so they are never deleted.
 */
export function deleteExtraneous(deletions: readonly PendingDeletion[], scope: DeletionScope): void {
  const { request, errors } = scope;
  const fileCount = deletions.filter((deletion) => deletion.kind !== 'dir').length;
  if (errors.length > 0) {
    scope.warnings.push(
      `${fileCount} deletion(s) skipped because the run had errors; they run once a run succeeds`,
    );
    return;
  }
  if (scope.sourceIsEmpty) {
    errors.push({
      path: '',
      code: 'SOURCE_EMPTY',
      message: `refusing to delete: the source ${request.source} is empty but the destination is not (an unmounted drive?)`,
    });
    return;
  }
  if (request.maxDelete !== undefined && fileCount > request.maxDelete) {
    errors.push({
      path: '',
      code: 'MAX_DELETE',
      message: `refusing to delete ${fileCount} files, more than max_delete = ${request.maxDelete}; nothing was deleted`,
    });
    return;
  }
  for (const deletion of deletions) {
    if (request.signal?.aborted) return;
    try {
      if (!request.dryRun) {
        if (removeEntry(deletion.path, deletion.kind, scope.context) === 'kept') continue;
        scope.onRemoved(deletion.path);
      }
      scope.report({
        action: 'delete',
        path: deletion.path,
        kind: deletion.kind,
        reason: 'not in the source',
      });
      if (deletion.kind !== 'dir') {
        scope.stats.deleted++;
        if (scope.context.trash) scope.stats.trashed++;
      }
    } catch (error) {
      errors.push({ path: deletion.path, ...describeEntryError(error) });
    }
  }
}
