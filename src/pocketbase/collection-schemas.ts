// The PocketBase collections sync-daemon reads (DESIGN.md, "PocketBase"): one record per job and per watcher,
// shaped like the TOML file's tables. A job's id lives in `job_id` (record ids are PocketBase's own); schedule,
// sync_options and filters are JSON shaped as in TOML. `host` names the daemon that runs the job (empty: every
// daemon). A watcher's `sync_job_id` is text, not a relation: it may name a job of a daemon's file.

export interface FieldSpec {
  name: string;
  type: 'text' | 'bool' | 'number' | 'json';
  required?: boolean;
  /** number: whole numbers only. */
  onlyInt?: boolean;
  /** text: a pattern every value must match. */
  pattern?: string;
}

export interface CollectionSpec {
  name: string;
  fields: FieldSpec[];
  /** The field whose values are unique (a unique index). */
  uniqueField: string;
}

/** Any signed-in account may list and read them; only superusers may change them (`null` rules). */
export const READ_RULE = '@request.auth.id != ""';

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

export const SYNC_JOBS: CollectionSpec = {
  name: 'sync_jobs',
  uniqueField: 'job_id',
  fields: [
    { name: 'job_id', type: 'text', required: true, pattern: ID_PATTERN },
    { name: 'name', type: 'text' },
    { name: 'source_path', type: 'text', required: true },
    { name: 'destination_path', type: 'text', required: true },
    { name: 'enabled', type: 'bool' },
    { name: 'filters', type: 'json' },
    { name: 'schedule', type: 'json' },
    { name: 'sync_options', type: 'json' },
    { name: 'sync_timeout_secs', type: 'number', onlyInt: true },
    { name: 'host', type: 'text' },
  ],
};

export const FILE_WATCHERS: CollectionSpec = {
  name: 'file_watchers',
  uniqueField: 'watcher_id',
  fields: [
    { name: 'watcher_id', type: 'text', required: true, pattern: ID_PATTERN },
    { name: 'name', type: 'text' },
    { name: 'sync_job_id', type: 'text', required: true, pattern: ID_PATTERN },
    { name: 'watch_path', type: 'text' },
    { name: 'enabled', type: 'bool' },
    { name: 'recursive', type: 'bool' },
    { name: 'debounce_ms', type: 'number', onlyInt: true },
    { name: 'watch_events', type: 'json' },
    { name: 'backend', type: 'text' },
    { name: 'poll_interval_ms', type: 'number', onlyInt: true },
    { name: 'full_rescan_interval_secs', type: 'number', onlyInt: true },
  ],
};

export const COLLECTIONS: readonly CollectionSpec[] = [SYNC_JOBS, FILE_WATCHERS];
