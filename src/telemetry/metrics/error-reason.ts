import type { ErrorReason } from './metric-labels.js';

// The engine's codes are an open set (system errno names and its own); a label must stay a small closed set, so
// every code maps to one reason and whatever is not listed is `other`.
const REASON_OF_CODE: ReadonlyMap<string, ErrorReason> = new Map(
  Object.entries({
    EACCES: 'permission',
    EPERM: 'permission',
    ENOSPC: 'no_space',
    EDQUOT: 'no_space',
    ENOENT: 'missing',
    ENOTDIR: 'missing',
    SOURCE_MISSING: 'missing',
    SOURCE_NOT_FOLDER: 'missing',
    DESTINATION_NOT_FOLDER: 'missing',
    SOURCE_EMPTY: 'safety_guard',
    SOURCE_MARKER_MISSING: 'safety_guard',
    SOURCE_UNREADABLE: 'safety_guard',
    MAX_DELETE: 'safety_guard',
    FOLDER_NOT_EMPTY: 'safety_guard',
    SOURCE_CHANGED: 'safety_guard',
    TYPE_CHANGED: 'safety_guard',
    CHANGED_DURING_COPY: 'safety_guard',
    ENGINE_CRASH: 'crash',
    THREAD_DIED: 'crash',
    THREAD_UNAVAILABLE: 'crash',
    RUNNER_EXITED: 'crash',
    SYNC_TIMEOUT: 'timeout',
    LOCK_FAILED: 'lock',
    DESTINATION_LOCKED: 'lock',
    EIO: 'io',
    EROFS: 'io',
    EXDEV: 'io',
    ENOTSUP: 'io',
    EEXIST: 'io',
    ENOTEMPTY: 'io',
  } satisfies Record<string, ErrorReason>),
);

/** The closed `reason` label of `sync_daemon_sync_errors_total` for an engine error code. */
export function errorReason(code: string): ErrorReason {
  return REASON_OF_CODE.get(code) ?? 'other';
}
