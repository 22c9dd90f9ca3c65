import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type Logger from 'bunyan';
import type { DaemonStatus, JobStatus, RunSummary } from '../control/daemon-api.js';
import { lockDestination } from '../jobs/destination-lock.js';
import { LEVEL_NUMBERS } from '../telemetry/log-record.js';
import type { DaemonMetrics } from '../telemetry/metrics/daemon-metrics.js';
import type { PocketBaseSettings } from './connect-pocketbase.js';
import { FleetHeartbeat } from './fleet-heartbeat.js';
import { logRecord, runRecord } from './fleet-records.js';
import { PocketBaseSession } from './pocketbase-session.js';
import { pruneOldRecords } from './prune-old-records.js';
import { type DaemonLiveness, readFleet } from './read-fleet.js';
import { RecordUploader } from './record-uploader.js';
import { type SpooledRecord, UploadSpool } from './upload-spool.js';

/** What `status` says of this daemon's place in the fleet (the control protocol's shape). */
export type FleetStatus = NonNullable<DaemonStatus['fleet']>;

export interface FleetReporterOptions {
  settings: PocketBaseSettings;
  url: string;
  host: string;
  /** The spool's folder is `cache_dir/pocketbase-spool`. */
  cacheDir: string;
  version: string;
  startedAt: Date;
  logger: Logger;
  metrics?: DaemonMetrics | undefined;
  /** The jobs as `status` shows them, for the heartbeat. */
  jobs: () => readonly JobStatus[];
}

const PRUNE_EVERY_MS = 3600_000;
/** How often a daemon reads the whole fleet for its `status` (a load on PocketBase that grows with the fleet). */
const FLEET_READ_EVERY_MS = 300_000;
const NOT_ALIVE_SHOWN = 10;
/** How long a stopping daemon keeps uploading what is left and says it stops (the rest goes at its next start). */
const CLOSE_MS = 3000;

/**
 * A daemon's reports to the fleet's PocketBase (issue 12): its heartbeat every `heartbeat_interval_secs` with each
 * job's state, each run's record and its log records at `log_upload_level` and above, through a disk spool that
 * loses nothing across outages and restarts, and the pruning of its host's records past `retention_days`.
 */
export class FleetReporter {
  private readonly session: PocketBaseSession;
  private readonly spool: UploadSpool;
  private readonly uploader: RecordUploader;
  private readonly heartbeat: FleetHeartbeat;
  /** Random: ids of log records made from it can be neither guessed nor met again after a restart. */
  private readonly origin = randomUUID();
  private readonly uploadLevel: number;
  private sequence = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<void> | undefined;
  private readonly stopPruning = new AbortController();
  private uploadProblem: string | undefined;
  private spoolProblem: string | undefined;
  private uploaded = 0;
  private rejected = 0;
  private prunedAt = 0;
  private fleetReadAt = 0;
  private fleetView: FleetStatus['daemons'];
  private closed = false;
  private batchOffSaid = false;
  private spoolFullSaid = false;

  private constructor(
    private readonly options: FleetReporterOptions,
    private readonly unlockSpool: () => Promise<void>,
  ) {
    const { settings, metrics, logger } = options;
    this.session = new PocketBaseSession(settings, options.url);
    this.uploadLevel =
      settings.log_upload_level === 'off'
        ? Number.POSITIVE_INFINITY
        : LEVEL_NUMBERS[settings.log_upload_level];
    this.spool = UploadSpool.open(spoolDir(options.cacheDir), {
      maxRecords: settings.spool_max_records,
      onDrop: (count) => this.droppedFromSpool(count),
    });
    this.heartbeat = new FleetHeartbeat(this.session, {
      ...options,
      intervalSecs: settings.heartbeat_interval_secs,
    });
    this.uploader = new RecordUploader(this.spool, this.session, {
      batchSize: 50,
      retryDelayMs: Math.max(1, settings.retry_delay_secs) * 1000,
      onDelivered: (collection, count) => {
        this.uploaded += count;
        metrics?.fleetUploaded(collection, count);
      },
      onSettled: () => metrics?.setFleetSpool(this.spool.pending),
      onRejected: (record, reason) => {
        this.rejected++;
        metrics?.fleetRejected(record.collection, 1);
        logger.error(
          { collection: record.collection, recordId: record.body.id },
          `PocketBase refused a record; it is dropped: ${reason}`,
        );
      },
      onProblem: (problem) => this.uploadProblemChanged(problem),
      onBatchLimit: (max) =>
        logger.info(
          `PocketBase at ${options.url} takes ${max} requests per batch: records go up ${max} at a time`,
        ),
      onBatchOff: () => {
        if (this.batchOffSaid) return;
        this.batchOffSaid = true;
        logger.warn(
          `PocketBase at ${options.url} has its batch API off: records are uploaded one request each (slower); ` +
            '`sync-daemon pocketbase setup` turns it on',
        );
      },
    });
  }

  /**
   * Opens the spool for this daemon alone (a lock in `cache_dir`: two daemons sharing it would each upload and
   * acknowledge the other's records).
   */
  static async open(options: FleetReporterOptions): Promise<FleetReporter> {
    const dir = spoolDir(options.cacheDir);
    let unlock: () => Promise<void>;
    try {
      unlock = await lockDestination(dir, options.cacheDir);
    } catch (error) {
      throw new Error(
        `the upload spool ${dir} is in use by another daemon; give each daemon its own cache.cache_dir (${(error as Error).message})`,
      );
    }
    try {
      return new FleetReporter(options, unlock);
    } catch (error) {
      await unlock();
      throw error;
    }
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
    void this.beat();
    this.heartbeatTimer = setInterval(
      () => void this.beat(),
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
    this.spoolRecord(runRecord(this.options.host, this.origin, jobId, run));
  }

  status(): FleetStatus {
    const problem = this.heartbeat.problem ?? this.spoolProblem ?? this.uploadProblem;
    return {
      host: this.options.host,
      heartbeatIntervalSecs: this.options.settings.heartbeat_interval_secs,
      ...(this.heartbeat.lastAt ? { heartbeatAt: this.heartbeat.lastAt } : {}),
      spooled: this.spool.pending,
      uploaded: this.uploaded,
      dropped: this.spool.dropped,
      rejected: this.rejected,
      ...(problem ? { problem } : {}),
      ...(this.fleetView ? { daemons: this.fleetView } : {}),
    };
  }

  /**
   * A last upload of what is left and a last heartbeat, which says the daemon stopped when `stopped`, each bounded
   * in time (what is not uploaded by then waits in the spool for the next start); then every request is aborted.
   * Records logged later still go to the spool (`log`), for the next start.
   */
  async close({ stopped }: { stopped: boolean }): Promise<void> {
    if (this.closed) return;
    clearInterval(this.heartbeatTimer);
    this.stopPruning.abort();
    const deadline = Date.now() + CLOSE_MS;
    const serverAnswers = this.heartbeat.problem === undefined;
    await this.uploader.close(serverAnswers ? CLOSE_MS : 0);
    const left = deadline - Date.now();
    if (serverAnswers && stopped && left > 0)
      await Promise.race([
        this.heartbeat.beat(new Date().toISOString()),
        new Promise((resolve) => setTimeout(resolve, left).unref()),
      ]);
    this.closed = true;
    this.session.drop();
    // No acknowledgement may reach the spool once the next reporter has opened it.
    await Promise.all([this.uploader.settled(), this.pruning]);
    await this.unlockSpool();
  }

  private spoolRecord(record: SpooledRecord): void {
    try {
      this.spool.append(record);
    } catch (error) {
      // A full disk or a spool folder gone: counted as dropped by the spool, said in status, never thrown into
      // the code that logged.
      this.spoolProblem = `cannot write the upload spool in ${this.spool.dir}: ${(error as Error).message}`;
      return;
    }
    this.spoolProblem = undefined;
    this.options.metrics?.setFleetSpool(this.spool.pending);
    this.uploader.kick();
  }

  private async beat(): Promise<void> {
    if (this.closed || !(await this.heartbeat.beat())) return;
    this.options.metrics?.fleetHeartbeat(Date.now());
    // Records waiting since an outage go now, not at the uploader's next try.
    if (this.spool.pending > 0) this.uploader.retryNow();
    if (Date.now() - this.fleetReadAt >= FLEET_READ_EVERY_MS) void this.readFleetView();
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS && !this.pruning && !this.closed)
      this.pruning = this.prune().finally(() => {
        this.pruning = undefined;
      });
  }

  /** The fleet by liveness, for `status`; a failure keeps the last view (status says when it was read). */
  private async readFleetView(): Promise<void> {
    this.fleetReadAt = Date.now();
    try {
      const daemons = await readFleet(await this.session.connected(), { brief: true });
      const count = (liveness: DaemonLiveness) =>
        daemons.filter((daemon) => daemon.liveness === liveness).length;
      this.fleetView = {
        readAt: new Date().toISOString(),
        alive: count('alive'),
        late: count('late'),
        gone: count('gone'),
        stopped: count('stopped'),
        notAlive: daemons
          .filter((daemon) => daemon.liveness !== 'alive')
          .slice(0, NOT_ALIVE_SHOWN)
          .map(({ host, liveness }) => ({ host, liveness: liveness as 'late' | 'gone' | 'stopped' })),
      };
    } catch (error) {
      this.options.logger.debug(`PocketBase: reading the fleet failed: ${(error as Error).message}`);
    }
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
        signal: this.stopPruning.signal,
      });
      if (Object.values(pruned).some((count) => count > 0))
        this.options.logger.info({ pruned, retentionDays: days }, 'PocketBase: old runs and logs pruned');
    } catch (error) {
      if (this.stopPruning.signal.aborted) return;
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
    if (this.spoolFullSaid) return;
    this.spoolFullSaid = true;
    this.options.logger.warn(
      { dropped: count, spoolMaxRecords: this.options.settings.spool_max_records },
      'PocketBase upload spool full: the oldest records are dropped (counted in sync_daemon_pocketbase_spool_dropped_total)',
    );
  }
}

function spoolDir(cacheDir: string): string {
  return path.join(cacheDir, 'pocketbase-spool');
}
