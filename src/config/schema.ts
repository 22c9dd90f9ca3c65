import os from 'node:os';
import * as z from 'zod';
import {
  METRICS_ADDRESS_EXPECTATION,
  parseMetricsAddress,
} from '../telemetry/metrics/parse-metrics-address.js';
import { DEFAULT_STOP_TIMEOUT_SECS } from './daemon-defaults.js';
import { getDefaultPaths } from './default-paths.js';
import { describeCronError } from './describe-cron-error.js';
import { LOG_FORMATS, LOG_LEVELS } from './log-levels.js';
import { DURATION_EXPECTATION, parseDuration } from './parse-duration.js';

// One schema for every key the daemon reads; later capabilities add their keys here (DESIGN.md, "Config").

export const WATCH_EVENTS = ['create', 'write', 'remove', 'rename', 'chmod'] as const;
export const COMPARISON_METHODS = ['mtime', 'checksum', 'size'] as const;
// auto: the native backend (one watch per folder), chokidar where it cannot load; polling: stat every few seconds.
export const WATCH_BACKENDS = ['auto', 'native', 'chokidar', 'polling'] as const;

// Ids end up in file names, metric labels and CLI arguments, so keep them to a safe alphabet.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ID_EXPECTATION = 'an id of letters, digits, ".", "_" or "-", starting with a letter or digit';

/** An id of a job or watcher (exported for the cross-key checks that run beside key errors). */
export const idSchema = z.string().regex(ID_PATTERN, { message: ID_EXPECTATION });
const id = idSchema;
const nonEmptyText = z.string().trim().min(1, { message: 'a non-empty string' });
const pathText = nonEmptyText;
// A name inside a folder, never a path: it must not reach out of the folder it names a file of.
const fileName = nonEmptyText.refine(
  (name) => !name.includes('/') && !name.includes('\\') && name !== '.' && name !== '..',
  {
    message: 'a file name without "/" or "\\" (not "." or "..")',
  },
);
const positiveInt = z.int().min(1);
const nonNegativeInt = z.int().min(0);

const duration = z.string().superRefine((text, context) => {
  const milliseconds = parseDuration(text);
  if (milliseconds === undefined) {
    context.addIssue({ code: 'custom', message: DURATION_EXPECTATION, input: text });
  } else if (milliseconds === 0) {
    context.addIssue({ code: 'custom', message: 'a duration longer than zero', input: text });
  }
});

const cronExpression = z.string().superRefine((text, context) => {
  const problem = describeCronError(text);
  if (problem) context.addIssue({ code: 'custom', message: problem, input: text });
});

const timezone = z.string().superRefine((text, context) => {
  if (!isKnownTimezone(text)) {
    context.addIssue({
      code: 'custom',
      message: 'an IANA time zone such as "UTC" or "Europe/Paris"',
      input: text,
    });
  }
});

const pocketbaseSection = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
  admin_email: nonEmptyText,
  // The auth collection of that account: "_superusers" (the seed's admin), or "sync_daemons", made by `pocketbase
  // setup` for daemon accounts (recommended: they read jobs and write only their own runs, logs and heartbeat).
  auth_collection: nonEmptyText.default('_superusers'),
  // May instead come from SYNC_DAEMON_POCKETBASE_PASSWORD; load-config checks that one of them is there.
  admin_password: z.string().optional(),
  timeout_secs: positiveInt.default(30),
  retry_attempts: nonNegativeInt.default(3),
  retry_delay_secs: nonNegativeInt.default(5),
  // The fleet (issue 12): each daemon's heartbeat, its uploaded log records and run history, and their retention.
  heartbeat_interval_secs: positiveInt.default(30),
  log_upload_level: z.enum([...LOG_LEVELS, 'off']).default('info'),
  spool_max_records: positiveInt.default(100_000),
  retention_days: nonNegativeInt.default(30),
});

const daemonSection = z.strictObject({
  pid_file: pathText.default(() => getDefaultPaths().pidFile),
  log_file: pathText.default(() => getDefaultPaths().logFile),
  log_level: z.enum(LOG_LEVELS).default('info'),
  // Telemetry (issue 10): stdout's format, and the log file's size-based rotation.
  log_format: z.enum(LOG_FORMATS).default('auto'),
  log_max_size_mb: positiveInt.default(10),
  log_max_files: nonNegativeInt.default(5),
  config_refresh_interval_secs: positiveInt.default(300),
  auto_restart_on_config_change: z.boolean().default(false),
  // Supervision (the daemon issue): where the CLI finds the daemon, and how runners are stopped and restarted.
  socket_path: pathText.default(() => getDefaultPaths().socketFile),
  stop_timeout_secs: positiveInt.default(DEFAULT_STOP_TIMEOUT_SECS),
  restart_backoff_initial_ms: positiveInt.default(100),
  restart_backoff_max_ms: positiveInt.default(30_000),
  restart_backoff_reset_secs: positiveInt.default(60),
  crashloop_after_crashes: positiveInt.default(5),
  // The name PocketBase jobs are assigned by (their `host` field): this daemon runs those with its name or none.
  host: nonEmptyText.default(() => os.hostname()),
});

const scheduleSection = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('interval'), interval: duration }),
  z.strictObject({ type: z.literal('cron'), expression: cronExpression, timezone: timezone.optional() }),
  z.strictObject({ type: z.literal('manual') }),
]);

const syncOptionsSection = z.strictObject({
  dry_run: z.boolean().default(false),
  preserve_permissions: z.boolean().default(true),
  preserve_timestamps: z.boolean().default(true),
  delete_destination_files: z.boolean().default(false),
  comparison_method: z.enum(COMPARISON_METHODS).default('mtime'),
  ignore_hidden_files: z.boolean().default(false),
  max_delete: nonNegativeInt.optional(),
  trash_dir: pathText.optional(),
  // A file that must exist in the source root before any deletion (Syncthing's `.stfolder`); off when absent.
  source_marker: fileName.optional(),
  trash_retention_days: nonNegativeInt.default(30),
  fsync: z.boolean().default(false),
});

export const syncJobSection = z.strictObject({
  id,
  name: nonEmptyText.optional(),
  source_path: pathText,
  destination_path: pathText,
  enabled: z.boolean().default(true),
  filters: z.array(nonEmptyText).default([]),
  schedule: scheduleSection.default({ type: 'manual' }),
  // A run with no progress for this long is killed and reported, and its runner restarted (off when absent).
  sync_timeout_secs: positiveInt.optional(),
  sync_options: syncOptionsSection.default(() => syncOptionsSection.parse({})),
});

export const fileWatcherSection = z.strictObject({
  id,
  name: nonEmptyText.optional(),
  // Defaults to the job's source_path (filled in by resolve-config-paths).
  watch_path: pathText.optional(),
  sync_job_id: id,
  enabled: z.boolean().default(true),
  recursive: z.boolean().default(true),
  debounce_ms: nonNegativeInt.default(1000),
  watch_events: z
    .array(z.enum(WATCH_EVENTS))
    .min(1, { message: `at least one of ${WATCH_EVENTS.join(', ')}` })
    .default(['create', 'write', 'remove', 'rename']),
  backend: z.enum(WATCH_BACKENDS).default('auto'),
  // How often the polling backend looks (network filesystems that send no change events).
  poll_interval_ms: positiveInt.default(1000),
  // A full run this often whatever the events say: a change no backend reported is still mirrored.
  full_rescan_interval_secs: positiveInt.default(3600),
});

const metricsAddress = z.string().superRefine((text, context) => {
  const parsed = parseMetricsAddress(text);
  if (typeof parsed === 'object' && 'error' in parsed)
    context.addIssue({ code: 'custom', message: METRICS_ADDRESS_EXPECTATION, input: text });
});

// Telemetry (issue 10): the Prometheus endpoint (/metrics, /healthz) and how often runners are sampled.
const metricsSection = z.strictObject({
  address: metricsAddress.default('127.0.0.1:9090'),
  runner_sample_interval_secs: positiveInt.default(5),
});

const concurrencySection = z.strictObject({
  max_concurrent_syncs: positiveInt.default(4),
  max_file_operations: positiveInt.default(100),
  sync_queue_size: positiveInt.default(1000),
});

const cacheSection = z.strictObject({
  cache_dir: pathText.default(() => getDefaultPaths().cacheDir),
  config_cache_ttl_secs: nonNegativeInt.default(300),
  file_metadata_cache_ttl_secs: nonNegativeInt.default(60),
  enable_persistent_cache: z.boolean().default(false),
});

/** The whole configuration file; every section but pocketbase has defaults, so an empty file is valid. */
export const configSchema = z.strictObject({
  pocketbase: pocketbaseSection.optional(),
  daemon: daemonSection.default(() => daemonSection.parse({})),
  sync_jobs: z.array(syncJobSection).default([]),
  file_watchers: z.array(fileWatcherSection).default([]),
  concurrency: concurrencySection.default(() => concurrencySection.parse({})),
  cache: cacheSection.default(() => cacheSection.parse({})),
  metrics: metricsSection.default(() => metricsSection.parse({})),
});

export type Config = z.output<typeof configSchema>;
export type SyncJob = Config['sync_jobs'][number];
export type FileWatcher = Config['file_watchers'][number];
export type Schedule = SyncJob['schedule'];
export type SyncOptions = SyncJob['sync_options'];

function isKnownTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
