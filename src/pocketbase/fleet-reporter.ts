import path from 'node:path';
import type Logger from 'bunyan';
import type { DaemonStatus, JobStatus, RunSummary } from '../control/daemon-api.js';
import { LEVEL_NUMBERS } from '../telemetry/log-record.js';
import type { DaemonMetrics } from '../telemetry/metrics/daemon-metrics.js';
import { DAEMONS } from './collection-schemas.js';
import { describePocketBaseError, type PocketBaseSettings } from './connect-pocketbase.js';
import { daemonRecordId, heartbeatJobs, logRecord, runRecord } from './fleet-records.js';
import { PocketBaseSession } from './pocketbase-session.js';
import { pruneOldRecords } from './prune-old-records.js';
import { RecordUploader } from './record-uploader.js';
import { type SpooledRecord, UploadSpool } from './upload-spool.js';

/** What `status` says of this daemon's place in the fleet (the control protocol's shape). */
export type FleetStatus = NonNullable<DaemonStatus['fleet']>;

export interface FleetReporterOptions {
  settings: PocketBaseSettings;
  url: string;
  host: string;
  /** The spool's folder: `cache_dir/pocketbase-spool`. */
  cacheDir: string;
  version: string;
  startedAt: Date;
  logger: Logger;
  metrics?: DaemonMetrics | undefined;
  /** The jobs as `status` shows them, for the heartbeat. */
  jobs: () => readonly JobStatus[];
}

const PRUNE_EVERY_MS = 3600_000;
/** How long a stopping daemon keeps uploading what is left before it goes (the rest goes at its next start). */
const CLOSE_UPLOAD_MS = 3000;

/**
 * A daemon's reports to the fleet's PocketBase (issue 12): its heartbeat every `heartbeat_interval_secs` with each
 * job's state, each run's record and its log records at `log_upload_level` and above, through a disk spool that
 * loses nothing across outages and restarts, and the pruning of its host's records past `retention_days`.
 */
export class FleetReporter {
  private readonly session: PocketBaseSession;
  private readonly spool: UploadSpool;
  private readonly uploader: RecordUploader;
  private readonly origin = `${process.pid}-${Date.now().toString(36)}`;
  private readonly uploadLevel: number;
  private sequence = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private heartbeatAt: string | undefined;
  private heartbeatProblem: string | undefined;
  private uploadProblem: string | undefined;
  private uploaded = 0;
  private rejected = 0;
  private prunedAt = 0;
  private closed = false;
  private batchOffSaid = false;
  private heartbeating: Promise<void> | undefined;

  constructor(private readonly options: FleetReporterOptions) {
    const { settings } = options;
    this.session = new PocketBaseSession(settings, options.url);
    this.uploadLevel =
      settings.log_upload_level === 'off'
        ? Number.POSITIVE_INFINITY
        : LEVEL_NUMBERS[settings.log_upload_level];
    this.spool = UploadSpool.open(path.join(options.cacheDir, 'pocketbase-spool'), {
      maxRecords: settings.spool_max_records,
      onDrop: (count) => this.droppedFromSpool(count),
    });
    this.uploader = new RecordUploader(this.spool, this.session, {
      batchSize: 50,
      retryDelayMs: Math.max(1, settings.retry_delay_secs) * 1000,
      onDelivered: (collection, count) => {
        this.uploaded += count;
        options.metrics?.fleetUploaded(collection, count);
        options.metrics?.setFleetSpool(this.spool.pending);
      },
      onRejected: (record, reason) => {
        this.rejected++;
        options.metrics?.fleetRejected(record.collection, 1);
        options.logger.error(
          { collection: record.collection, recordId: record.body.id },
          `PocketBase refused a record; it is dropped: ${reason}`,
        );
      },
      onProblem: (problem) => this.uploadProblemChanged(problem),
      onBatchLimit: (max) =>
        options.logger.info(
          `PocketBase at ${options.url} takes ${max} requests per batch: records go up ${max} at a time`,
        ),
      onBatchOff: () => {
        if (this.batchOffSaid) return;
        this.batchOffSaid = true;
        options.logger.warn(
          `PocketBase at ${options.url} has its batch API off: records are uploaded one request each (slower); ` +
            '`sync-daemon pocketbase setup` turns it on',
        );
      },
    });
  }

  get host(): string {
    return this.options.host;
  }

  /** Uploads what an earlier daemon left in the spool, and what comes. */
  start(): void {
    this.options.metrics?.setFleetSpool(this.spool.pending);
    this.uploader.kick(0);
  }

  /** Sends a heartbeat now and every `heartbeat_interval_secs` (once the daemon runs its jobs). */
  startHeartbeats(): void {
    if (this.heartbeatTimer || this.closed) return;
    void this.heartbeat();
    this.heartbeatTimer = setInterval(
      () => void this.heartbeat(),
      this.options.settings.heartbeat_interval_secs * 1000,
    );
    this.heartbeatTimer.unref();
  }

  /** A log record (its bunyan line): spooled when at `log_upload_level` or above. */
  log(level: number, line: string): void {
    // Spooled even once closed (the daemon's last records): they go up at its next start.
    if (level < this.uploadLevel) return;
    const record = logRecord(this.options.host, this.origin, this.sequence++, line);
    if (record) this.spoolRecord(record);
  }

  /** A run ended: its sync_runs record. */
  runFinished(jobId: string, run: RunSummary): void {
    this.spoolRecord(runRecord(this.options.host, jobId, run));
  }

  status(): FleetStatus {
    const problem = this.heartbeatProblem ?? this.uploadProblem;
    return {
      host: this.options.host,
      heartbeatIntervalSecs: this.options.settings.heartbeat_interval_secs,
      ...(this.heartbeatAt ? { heartbeatAt: this.heartbeatAt } : {}),
      spooled: this.spool.pending,
      uploaded: this.uploaded,
      dropped: this.spool.dropped,
      rejected: this.rejected,
      ...(problem ? { problem } : {}),
    };
  }

  /**
   * A last upload of what is left and a last heartbeat, which says the daemon stopped when `stopped` (bounded in
   * time: what is not uploaded by then waits in the spool for the next start).
   */
  async close({ stopped }: { stopped: boolean }): Promise<void> {
    if (this.closed) return;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.pruneTimer);
    await this.uploader.close(this.heartbeatProblem ? 0 : CLOSE_UPLOAD_MS);
    if (!this.heartbeatProblem && stopped)
      await Promise.race([
        this.heartbeat(new Date().toISOString()),
        new Promise((resolve) => setTimeout(resolve, CLOSE_UPLOAD_MS).unref()),
      ]);
    this.closed = true;
    this.session.drop();
    // No acknowledgement may reach the spool once the next reporter has opened it.
    await this.uploader.settled();
  }

  private spoolRecord(record: SpooledRecord): void {
    try {
      this.spool.append(record);
    } catch (error) {
      // A full disk or a spool folder gone: said in status, never thrown into the code that logged.
      this.uploadProblem = `cannot write the upload spool in ${this.spool.dir}: ${(error as Error).message}`;
      return;
    }
    this.options.metrics?.setFleetSpool(this.spool.pending);
    this.uploader.kick();
  }

  /** Creates or updates this host's daemons record; `stoppedAt` says the daemon is going. */
  private async heartbeat(stoppedAt?: string): Promise<void> {
    if (this.closed) return;
    // One at a time: two first heartbeats racing to create the record would refuse each other. The last one
    // (stoppedAt) waits for the one in flight.
    if (this.heartbeating && !stoppedAt) return;
    await this.heartbeating;
    const beat = this.sendHeartbeat(stoppedAt);
    this.heartbeating = beat;
    try {
      await beat;
    } finally {
      if (this.heartbeating === beat) this.heartbeating = undefined;
    }
  }

  private async sendHeartbeat(stoppedAt: string | undefined): Promise<void> {
    const { host, settings, version, startedAt } = this.options;
    const now = new Date();
    const id = daemonRecordId(host);
    try {
      const client = await this.session.connected();
      const body = {
        account: this.session.accountId ?? '',
        host,
        version,
        pid: process.pid,
        started_at: startedAt.toISOString(),
        last_heartbeat: now.toISOString(),
        heartbeat_interval_secs: settings.heartbeat_interval_secs,
        stopped_at: stoppedAt ?? '',
        jobs: heartbeatJobs(this.options.jobs()),
      };
      const records = client.collection(DAEMONS.name);
      try {
        await records.update(id, body);
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error;
        await records.create({ id, ...body });
      }
    } catch (error) {
      const reason = describePocketBaseError(error, this.session.url, `sending the heartbeat of ${host}`);
      const problem = isNotUnique(error)
        ? `the daemons record of host ${host} belongs to another account: give each host its own name (daemon.host) or account`
        : reason.message;
      if (problem !== this.heartbeatProblem)
        this.options.logger.warn(`PocketBase heartbeat failed: ${problem}`);
      this.heartbeatProblem = problem;
      return;
    }
    if (this.heartbeatProblem) this.options.logger.info('PocketBase heartbeat sent again');
    this.heartbeatProblem = undefined;
    this.heartbeatAt = now.toISOString();
    this.options.metrics?.fleetHeartbeat(now.getTime());
    // Records waiting since an outage go now, not at the uploader's next try.
    if (this.spool.pending > 0) this.uploader.retryNow();
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS && !stoppedAt) void this.prune();
  }

  private async prune(): Promise<void> {
    const days = this.options.settings.retention_days;
    this.prunedAt = Date.now();
    if (days === 0) return;
    try {
      const client = await this.session.connected();
      const pruned = await pruneOldRecords(client, {
        host: this.options.host,
        account: this.session.accountId ?? '',
        days,
      });
      if (Object.values(pruned).some((count) => count > 0))
        this.options.logger.info({ pruned, retentionDays: days }, 'PocketBase: old runs and logs pruned');
    } catch (error) {
      // Tried again at the next heartbeat, not in an hour.
      this.prunedAt = 0;
      this.options.logger.warn(`PocketBase: pruning old records failed: ${(error as Error).message}`);
    }
  }

  private uploadProblemChanged(problem: string | undefined): void {
    const was = this.uploadProblem;
    this.uploadProblem = problem;
    // Logged when uploads stop and when they work again, not at every retry (the record would be spooled too).
    if (problem && !was) this.options.logger.warn(`PocketBase uploads stopped: ${problem}`);
    if (!problem && was) this.options.logger.info('PocketBase uploads work again');
  }

  private droppedFromSpool(count: number): void {
    this.options.metrics?.setFleetSpool(this.spool.pending, count);
    if (this.spool.dropped === count)
      this.options.logger.warn(
        { dropped: count, spoolMaxRecords: this.options.settings.spool_max_records },
        'PocketBase upload spool full: the oldest records are dropped (counted in sync_daemon_pocketbase_spool_dropped_total)',
      );
  }
}

function isNotUnique(error: unknown): boolean {
  const data = (error as { response?: { data?: Record<string, { code?: string }> } }).response?.data;
  return Object.values(data ?? {}).some((field) => field.code === 'validation_not_unique');
}
