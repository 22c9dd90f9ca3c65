import type PocketBase from 'pocketbase';
import { DAEMONS, SYNC_RUNS } from './collection-schemas.js';
import { callPocketBase } from './connect-pocketbase.js';
import type { HeartbeatJob } from './fleet-records.js';

/** A daemon as `fleet` shows it: alive (heartbeats on time), late, gone (none for long), or stopped (it said so). */
export type DaemonLiveness = 'alive' | 'late' | 'gone' | 'stopped';

export interface FleetDaemon {
  host: string;
  liveness: DaemonLiveness;
  version: string;
  pid: number;
  startedAt: string;
  lastHeartbeat: string;
  /** Seconds since the last heartbeat, by the server's clock (-1: none ever). */
  heartbeatAgeSecs: number;
  heartbeatIntervalSecs: number;
  stoppedAt?: string;
  jobs: HeartbeatJob[];
}

export interface FleetRun {
  host: string;
  jobId: string;
  runId: string;
  outcome: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  copied: number;
  updated: number;
  deleted: number;
  errors: number;
  bytesCopied: number;
  firstErrors: unknown[];
}

/** Late past 2 heartbeats missed, gone past 5 (and a few seconds for the clocks' one-second resolution). */
export function livenessOf(ageSecs: number, intervalSecs: number, stopped: boolean): DaemonLiveness {
  if (stopped) return 'stopped';
  const interval = Math.max(1, intervalSecs);
  if (ageSecs <= 2 * interval + 2) return 'alive';
  if (ageSecs <= 5 * interval + 2) return 'late';
  return 'gone';
}

/**
 * Every daemon of the fleet, by host, with its liveness judged by the server's clock (its Date header);
 * `brief`: without their jobs (a daemon's own view of the fleet, read often).
 */
export async function readFleet(client: PocketBase, { brief = false } = {}): Promise<FleetDaemon[]> {
  const serverNow = await serverTime(client);
  const records = await callPocketBase(client, `reading collection ${DAEMONS.name}`, () =>
    client.collection(DAEMONS.name).getFullList({
      sort: 'host',
      batch: 1000,
      ...(brief ? { fields: 'host,last_heartbeat,heartbeat_interval_secs,stopped_at' } : {}),
    }),
  );
  return records.map((record) => {
    const lastHeartbeat = text(record.last_heartbeat);
    const stoppedAt = text(record.stopped_at);
    const interval = number(record.heartbeat_interval_secs);
    const ageSecs = lastHeartbeat ? Math.max(0, (serverNow - parseTime(lastHeartbeat)) / 1000) : Infinity;
    return {
      host: text(record.host),
      // A daemon that starts again clears stopped_at.
      liveness: livenessOf(ageSecs, interval, stoppedAt !== ''),
      version: text(record.version),
      pid: number(record.pid),
      startedAt: text(record.started_at),
      lastHeartbeat,
      heartbeatAgeSecs: Number.isFinite(ageSecs) ? Math.round(ageSecs) : -1,
      heartbeatIntervalSecs: interval,
      ...(stoppedAt ? { stoppedAt } : {}),
      jobs: Array.isArray(record.jobs) ? (record.jobs as HeartbeatJob[]) : [],
    };
  });
}

/** The latest runs, newest first, of one job or host or all. */
export async function readRuns(
  client: PocketBase,
  { job, host, limit }: { job?: string | undefined; host?: string | undefined; limit: number },
): Promise<FleetRun[]> {
  const conditions = [
    ...(job ? [client.filter('job_id = {:job}', { job })] : []),
    ...(host ? [client.filter('host = {:host}', { host })] : []),
  ];
  const page = await callPocketBase(client, `reading collection ${SYNC_RUNS.name}`, () =>
    client.collection(SYNC_RUNS.name).getList(1, Math.max(1, limit), {
      sort: '-finished_at',
      skipTotal: true,
      ...(conditions.length ? { filter: conditions.join(' && ') } : {}),
    }),
  );
  return page.items.slice(0, limit).map((record) => ({
    host: text(record.host),
    jobId: text(record.job_id),
    runId: text(record.run_id),
    outcome: text(record.outcome),
    dryRun: record.dry_run === true,
    startedAt: text(record.started_at),
    finishedAt: text(record.finished_at),
    durationMs: number(record.duration_ms),
    copied: number(record.files_copied),
    updated: number(record.files_updated),
    deleted: number(record.files_deleted),
    errors: number(record.errors),
    bytesCopied: number(record.bytes_copied),
    firstErrors: Array.isArray(record.first_errors) ? record.first_errors : [],
  }));
}

/** The server's clock (its Date header, to the second): heartbeats are judged by one clock, not each host's. */
async function serverTime(client: PocketBase): Promise<number> {
  try {
    const response = await fetch(client.buildURL('/api/health'), { signal: AbortSignal.timeout(10_000) });
    const date = Date.parse(response.headers.get('date') ?? '');
    return Number.isNaN(date) ? Date.now() : date;
  } catch {
    return Date.now();
  }
}

/** PocketBase's dates ("2026-12-01 13:06:22.358Z") as milliseconds. */
export function parseTime(value: string): number {
  return Date.parse(value.replace(' ', 'T'));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function number(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
