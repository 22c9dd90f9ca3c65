// The PocketBase collections of sync-daemon (DESIGN.md, "PocketBase"). Read by daemons: one record per job and per
// watcher, shaped like the TOML file's tables. A job's id lives in `job_id` (record ids are PocketBase's own);
// schedule, sync_options and filters are JSON shaped as in TOML. `host` names the daemon that runs the job (empty:
// every daemon). A watcher's `sync_job_id` is text, not a relation: it may name a job of a daemon's file.
// Written by daemons (the fleet): one record per run, per uploaded log record, and per daemon (its heartbeat).
// `account` is the id of the account that wrote a record: the rules let an account write and prune only its own.
// Daemons sign in as superusers or with accounts of `sync_daemons`, an auth collection only superusers add to
// (PocketBase's own `users` lets anyone sign up, so it is given nothing). An account whose `host` is set writes
// in that host's name only.

export interface FieldSpec {
  name: string;
  type: 'text' | 'bool' | 'number' | 'json' | 'date' | 'autodate';
  required?: boolean;
  /** number: whole numbers only. */
  onlyInt?: boolean;
  /** text: a pattern every value must match. */
  pattern?: string;
  /** text: the longest value (PocketBase's default is 5,000 characters). */
  max?: number;
  /** autodate: set at every update too, not only at creation. */
  onUpdate?: boolean;
}

export interface CollectionRules {
  listRule: string | null;
  viewRule: string | null;
  createRule: string | null;
  updateRule: string | null;
  deleteRule: string | null;
}

export interface CollectionSpec {
  name: string;
  /** 'auth': accounts that sign in (PocketBase adds email, password and the like). */
  type?: 'base' | 'auth';
  fields: FieldSpec[];
  /** Indexes by the fields they cover; the first field of a unique one is what identifies a record. */
  indexes: { fields: string[]; unique?: boolean }[];
  rules: CollectionRules;
}

/** The auth collection of daemon accounts (superusers pass every rule anyway). */
export const SYNC_DAEMONS: CollectionSpec = {
  name: 'sync_daemons',
  type: 'auth',
  indexes: [],
  rules: { listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null },
  fields: [{ name: 'host', type: 'text' }],
};

/** A daemon's account (a superuser passes every rule without it). */
export const DAEMON_ACCOUNT = `@request.auth.collectionName = "${SYNC_DAEMONS.name}"`;

/** Daemon accounts read them; only superusers change them (`null` rules). */
const READ_ONLY: CollectionRules = {
  listRule: DAEMON_ACCOUNT,
  viewRule: DAEMON_ACCOUNT,
  createRule: null,
  updateRule: null,
  deleteRule: null,
};

/** In its own name, and its host's if the account names one. */
const OWN_RECORD_IN_BODY =
  '@request.body.account = @request.auth.id && (@request.auth.host = "" || @request.body.host = @request.auth.host)';

/** Daemon accounts read them (`fleet`); an account creates its own and prunes its own (retention). */
const APPEND_ONLY: CollectionRules = {
  listRule: DAEMON_ACCOUNT,
  viewRule: DAEMON_ACCOUNT,
  createRule: `${DAEMON_ACCOUNT} && ${OWN_RECORD_IN_BODY}`,
  updateRule: null,
  deleteRule: `${DAEMON_ACCOUNT} && account = @request.auth.id`,
};

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

const TIMESTAMPS: FieldSpec[] = [
  { name: 'created', type: 'autodate' },
  { name: 'updated', type: 'autodate', onUpdate: true },
];

export const SYNC_JOBS: CollectionSpec = {
  name: 'sync_jobs',
  indexes: [{ fields: ['job_id'], unique: true }],
  rules: READ_ONLY,
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
  indexes: [{ fields: ['watcher_id'], unique: true }],
  rules: READ_ONLY,
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

/** One record per run (its id derived from host and run id: a re-sent record is never stored twice). */
export const SYNC_RUNS: CollectionSpec = {
  name: 'sync_runs',
  indexes: [{ fields: ['host', 'finished_at'] }, { fields: ['job_id', 'finished_at'] }],
  rules: APPEND_ONLY,
  fields: [
    { name: 'account', type: 'text', required: true },
    { name: 'host', type: 'text', required: true },
    { name: 'job_id', type: 'text', required: true },
    { name: 'run_id', type: 'text', required: true },
    { name: 'reasons', type: 'json' },
    { name: 'dry_run', type: 'bool' },
    { name: 'outcome', type: 'text', required: true },
    { name: 'started_at', type: 'date' },
    { name: 'finished_at', type: 'date', required: true },
    { name: 'duration_ms', type: 'number' },
    { name: 'files_copied', type: 'number', onlyInt: true },
    { name: 'files_updated', type: 'number', onlyInt: true },
    { name: 'files_deleted', type: 'number', onlyInt: true },
    { name: 'files_skipped', type: 'number', onlyInt: true },
    { name: 'errors', type: 'number', onlyInt: true },
    { name: 'bytes_copied', type: 'number', onlyInt: true },
    { name: 'first_errors', type: 'json' },
    ...TIMESTAMPS,
  ],
};

/** The daemon's log records at `log_upload_level` and above (ids derived from host, process and sequence). */
export const DAEMON_LOGS: CollectionSpec = {
  name: 'daemon_logs',
  indexes: [{ fields: ['host', 'time'] }, { fields: ['sync_job', 'time'] }],
  rules: APPEND_ONLY,
  fields: [
    { name: 'account', type: 'text', required: true },
    { name: 'host', type: 'text', required: true },
    { name: 'sync_job', type: 'text' },
    { name: 'run_id', type: 'text' },
    { name: 'level', type: 'text', required: true },
    { name: 'time', type: 'date', required: true },
    { name: 'message', type: 'text', max: 5000 },
    { name: 'fields', type: 'json' },
    ...TIMESTAMPS,
  ],
};

/**
 * One record per daemon (its id derived from its host), rewritten at every heartbeat. An account creates and
 * updates its own; only superusers delete one (a host retired for good, or taken by the wrong account).
 */
export const DAEMONS: CollectionSpec = {
  name: 'daemons',
  indexes: [{ fields: ['host'], unique: true }],
  rules: {
    listRule: DAEMON_ACCOUNT,
    viewRule: DAEMON_ACCOUNT,
    createRule: `${DAEMON_ACCOUNT} && ${OWN_RECORD_IN_BODY}`,
    // Its own record, kept its own and on its host.
    updateRule:
      `${DAEMON_ACCOUNT} && account = @request.auth.id && ` +
      '(@request.body.account:isset = false || @request.body.account = @request.auth.id) && ' +
      '(@request.body.host:isset = false || @request.body.host = host)',
    deleteRule: null,
  },
  fields: [
    { name: 'account', type: 'text', required: true },
    { name: 'host', type: 'text', required: true },
    { name: 'version', type: 'text' },
    { name: 'pid', type: 'number', onlyInt: true },
    { name: 'started_at', type: 'date' },
    { name: 'last_heartbeat', type: 'date' },
    { name: 'heartbeat_interval_secs', type: 'number', onlyInt: true },
    { name: 'stopped_at', type: 'date' },
    { name: 'jobs', type: 'json' },
    ...TIMESTAMPS,
  ],
};

export const COLLECTIONS: readonly CollectionSpec[] = [
  SYNC_DAEMONS,
  SYNC_JOBS,
  FILE_WATCHERS,
  SYNC_RUNS,
  DAEMON_LOGS,
  DAEMONS,
];
