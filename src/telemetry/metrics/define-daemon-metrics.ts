import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const PREFIX = 'sync_daemon_';

// From a 10 ms run of a watched change to a full hour-long mirror of a large tree.
const DURATION_BUCKETS_SECONDS = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/** Every metric of the daemon, registered into one registry; DaemonMetrics is the only writer. */
export type DaemonMetricSet = ReturnType<typeof defineDaemonMetrics>;

/** Registers the daemon's own metrics (not the process defaults) into `registry` and returns them by role. */
export function defineDaemonMetrics(registry: Registry, { uptimeSeconds }: { uptimeSeconds: () => number }) {
  const registers = [registry];
  const counter = <Label extends string>(name: string, help: string, labelNames: readonly Label[]) =>
    new Counter<Label>({ name: PREFIX + name, help, labelNames, registers });
  const gauge = <Label extends string>(name: string, help: string, labelNames: readonly Label[]) =>
    new Gauge<Label>({ name: PREFIX + name, help, labelNames, registers });

  return {
    runs: counter('sync_runs_total', 'Sync runs that ended, by how they ended (dry runs included).', [
      'sync_job',
      'result',
    ]),
    duration: new Histogram<'sync_job'>({
      name: `${PREFIX}sync_duration_seconds`,
      help: 'How long sync runs took, from start to result, in seconds (dry runs included).',
      labelNames: ['sync_job'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
    filesCopied: counter(
      'files_copied_total',
      'Files copied to the destination because they were new there.',
      ['sync_job'],
    ),
    filesUpdated: counter(
      'files_updated_total',
      'Files rewritten in the destination because they changed in the source.',
      ['sync_job'],
    ),
    filesDeleted: counter(
      'files_deleted_total',
      'Entries deleted from the destination because the source no longer has them.',
      ['sync_job'],
    ),
    filesSkipped: counter(
      'files_skipped_total',
      'Files left alone because the destination already matched the source.',
      ['sync_job'],
    ),
    bytesCopied: counter('bytes_copied_total', 'Bytes of file content written to the destination.', [
      'sync_job',
    ]),
    errors: counter('sync_errors_total', 'Errors that sync runs reported, by kind of error.', [
      'sync_job',
      'reason',
    ]),
    queueDepth: gauge('queue_depth', 'Runs waiting in the queue for a free sync slot.', []),
    syncsInProgress: gauge('syncs_in_progress', 'Sync runs going on right now, across all jobs.', []),
    triggers: counter('triggers_total', 'Requests to run a job that were accepted, by what asked.', [
      'sync_job',
      'reason',
    ]),
    triggersRejected: counter(
      'triggers_rejected_total',
      'Requests to run a job that were refused, by why they were refused.',
      ['sync_job', 'reason'],
    ),
    runnerRestarts: counter(
      'runner_restarts_total',
      "Times a job's runner process was started again after it exited or was restarted.",
      ['sync_job'],
    ),
    runnerUp: gauge(
      'runner_up',
      "Whether the job's runner process is alive (1) or not (0: stopped, waiting to restart, or in crashloop).",
      ['sync_job'],
    ),
    runnerState: gauge(
      'runner_state',
      "The job's runner state: 1 for the state it is in now, 0 for the others.",
      ['sync_job', 'state'],
    ),
    runnerCpu: counter(
      'runner_cpu_seconds_total',
      "CPU time (user and system) used by the job's runner processes, in seconds.",
      ['sync_job'],
    ),
    runnerMemory: gauge(
      'runner_resident_memory_bytes',
      "Resident memory of the job's runner process, in bytes (0 while no runner process is alive).",
      ['sync_job'],
    ),
    watcherEvents: counter(
      'watcher_events_total',
      "File-system events the job's watchers reported, by kind of event.",
      ['sync_job', 'event'],
    ),
    watchedFolders: gauge('watched_folders', "Folders the job's watchers are watching.", ['sync_job']),
    lastSuccess: gauge(
      'last_successful_sync_timestamp_seconds',
      'When the last run that ended ok (not a dry run) finished, in seconds since the Unix epoch.',
      ['sync_job'],
    ),
    scheduleInterval: gauge(
      'schedule_interval_seconds',
      "The job's schedule period: its interval, or for a cron job the time between its last two scheduled runs " +
        '(absent for a manual job, and for a cron job until it has run twice on schedule).',
      ['sync_job'],
    ),
    configReloads: counter('config_reloads_total', 'Configuration reloads, by whether they were applied.', [
      'result',
    ]),
    fleetUploaded: counter(
      'pocketbase_records_uploaded_total',
      'Records that reached PocketBase from the upload spool, by collection (sync_runs, daemon_logs).',
      ['collection'],
    ),
    fleetRejected: counter(
      'pocketbase_records_rejected_total',
      'Records PocketBase refused for what they hold, dropped from the upload spool, by collection.',
      ['collection'],
    ),
    fleetSpooled: gauge(
      'pocketbase_spool_records',
      'Records waiting in the upload spool for PocketBase (runs and log records).',
      [],
    ),
    fleetDropped: counter(
      'pocketbase_spool_dropped_total',
      'Records dropped, oldest first, because the upload spool was full (spool_max_records).',
      [],
    ),
    fleetHeartbeat: gauge(
      'pocketbase_last_heartbeat_timestamp_seconds',
      "When PocketBase last took this daemon's heartbeat, in seconds since the Unix epoch.",
      [],
    ),
    buildInfo: gauge('build_info', 'Always 1; its labels give the daemon version and the Node.js version.', [
      'version',
      'node_version',
    ]),
    uptime: new Gauge({
      name: `${PREFIX}uptime_seconds`,
      help: 'Seconds since the daemon started.',
      registers,
      collect() {
        this.set(uptimeSeconds());
      },
    }),
  };
}
