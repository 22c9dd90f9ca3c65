import type { JobStatus, RunSummary } from '../control/daemon-api.js';
import { levelName } from '../telemetry/log-record.js';
import { DAEMON_LOGS, SYNC_RUNS } from './collection-schemas.js';
import { recordId } from './record-id.js';
import type { SpooledRecord } from './upload-spool.js';

// The bodies of the records a daemon writes to PocketBase (collection-schemas.ts): one per run, per log record
// and per daemon. A record's id is made when it is spooled, from what makes it unique (its host, the daemon
// process's random origin, its run id or sequence number), and travels with it: one sent twice is stored once.
// `account` is added when a record is sent: the spool may hold it from before the daemon could sign in.

const FIRST_ERRORS = 5;
const MESSAGE_MAX = 5000;
/** A record's other fields, as JSON, at most (a proxy in front of PocketBase may take 1 MB a request). */
const FIELDS_MAX = 16_384;
/** Bunyan's own fields, and those that have a column of their own. */
const NOT_FIELDS = new Set(['name', 'hostname', 'pid', 'level', 'msg', 'time', 'v', 'job', 'runId']);

/** `origin`: the daemon process (random), so that an id can be neither guessed nor met again. */
export function runRecord(host: string, origin: string, jobId: string, run: RunSummary): SpooledRecord {
  const { stats } = run;
  return {
    collection: SYNC_RUNS.name,
    body: {
      id: recordId('run', host, origin, run.runId),
      host,
      job_id: jobId,
      run_id: run.runId,
      reasons: run.reasons,
      dry_run: run.dryRun,
      outcome: run.outcome,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      duration_ms: run.durationMs,
      files_copied: stats.copied,
      files_updated: stats.updated,
      files_deleted: stats.deleted,
      files_skipped: stats.skipped,
      errors: stats.errors,
      bytes_copied: stats.bytesCopied,
      first_errors: run.errors.slice(0, FIRST_ERRORS),
    },
  };
}

/**
 * A bunyan record (as its JSON line) for daemon_logs; `origin` and `sequence` (this process, its nth record) make
 * its id. Undefined for a line that is not a record.
 */
export function logRecord(
  host: string,
  origin: string,
  sequence: number,
  line: string,
): SpooledRecord | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!NOT_FIELDS.has(key)) fields[key] = value;
  const message = typeof record.msg === 'string' ? record.msg : '';
  return {
    collection: DAEMON_LOGS.name,
    body: {
      id: recordId('log', host, origin, String(sequence)),
      host,
      sync_job: typeof record.job === 'string' ? record.job : '',
      run_id: typeof record.runId === 'string' ? record.runId : '',
      level: levelName(typeof record.level === 'number' ? record.level : 30),
      time: typeof record.time === 'string' ? record.time : new Date().toISOString(),
      message: message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 1)}…` : message,
      fields: boundedFields(fields),
    },
  };
}

/** A job as its daemon's heartbeat shows it: its state, and its last run's outcome and time. */
export interface HeartbeatJob {
  id: string;
  state: JobStatus['state'];
  lastRun?: { runId: string; outcome: RunSummary['outcome']; finishedAt: string };
}

export function heartbeatJobs(jobs: readonly JobStatus[]): HeartbeatJob[] {
  return jobs.map((job) => ({
    id: job.id,
    state: job.state,
    ...(job.lastRun
      ? {
          lastRun: {
            runId: job.lastRun.runId,
            outcome: job.lastRun.outcome,
            finishedAt: job.lastRun.finishedAt,
          },
        }
      : {}),
  }));
}

/** The id of a host's daemons record. */
export function daemonRecordId(host: string): string {
  return recordId('daemon', host);
}

/** The fields as they are, or, past FIELDS_MAX as JSON, their names and that they were left out (in the file). */
function boundedFields(fields: Record<string, unknown>): Record<string, unknown> {
  const size = JSON.stringify(fields).length;
  if (size <= FIELDS_MAX) return fields;
  return {
    omitted: `${size} characters of fields, kept in the daemon's log file`,
    names: Object.keys(fields),
  };
}
