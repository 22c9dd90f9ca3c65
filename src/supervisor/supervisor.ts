import type Logger from 'bunyan';
import { closest } from 'fastest-levenshtein';
import type { LoadedConfig } from '../config/load-config.js';
import type { Config, SyncJob } from '../config/schema.js';
import type {
  DaemonStatus,
  JobStatus,
  ReloadReply,
  RunReply,
  RunSummary,
  TriggerReply,
} from '../control/daemon-api.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import type { TelemetryStatus } from '../telemetry/daemon-telemetry.js';
import type { DaemonMetrics } from '../telemetry/metrics/daemon-metrics.js';
import { describeRun } from './describe-run.js';
import { Dispatcher, type Trigger } from './dispatcher.js';
import { JobRuns } from './job-runs.js';
import { describeJobSlot, type JobSlot } from './job-slot.js';
import { JobSlots } from './job-slots.js';
import { planReload } from './plan-reload.js';
import type { RunnerProcess } from './runner-handle.js';
import { SupervisorError } from './supervisor-error.js';
import { SupervisorMetrics } from './supervisor-metrics.js';

export interface SupervisorOptions {
  loaded: LoadedConfig;
  socketPath: string;
  /** Where runs take their destination locks (defaultLockDir). */
  lockDir: string;
  version: string;
  logger: Logger;
  /** The log file's state and the metrics server's, for `status`. */
  telemetryStatus?: () => TelemetryStatus;
  /** Where the supervisor's events are counted (absent in tests). */
  metrics?: DaemonMetrics | undefined;
  /** A run ended (the fleet's sync_runs record). */
  onRunFinished?: (jobId: string, run: RunSummary) => void;
  /** A reload was applied (the daemon process restarts what depends on the new config, such as metrics). */
  onReloaded?: (config: Config) => void;
  /** Reads the config again for `reload`; throws a ConfigError when it is not valid. */
  reloadConfig: () => Promise<LoadedConfig>;
  spawnRunner?: (job: RunnerJob) => RunnerProcess;
}

/**
 * The supervisor's core (DESIGN.md, "Processes"): one runner per enabled job, their schedules, the dispatcher
 * every trigger goes through, and the answers to the control methods. It owns no socket and no signal: the
 * daemon process wires those to it.
 */
export class Supervisor {
  private config: Config;
  private configFile: string;
  private configLoadedAt = new Date();
  private readonly slots: JobSlots;
  private readonly runs: JobRuns;
  private readonly dispatcher: Dispatcher;
  private readonly startedAt = new Date();
  private timeoutTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private reloading: Promise<ReloadReply> | undefined;
  private readonly metrics: SupervisorMetrics;
  /** Why the last reload was refused, until one succeeds: the daemon runs an older config than its file. */
  private reloadProblem: string | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.config = options.loaded.config;
    this.metrics = new SupervisorMetrics(options.metrics);
    this.configFile = options.loaded.file;
    this.dispatcher = new Dispatcher({
      maxConcurrentSyncs: this.config.concurrency.max_concurrent_syncs,
      queueSize: this.config.concurrency.sync_queue_size,
      startRun: (run) => this.runs.start(run),
    });
    this.slots = new JobSlots({
      lockDir: options.lockDir,
      logger: options.logger,
      spawnRunner: options.spawnRunner,
      config: () => this.config,
      stopping: () => this.stopping !== undefined,
      metrics: this.metrics,
      events: {
        due: (slot) => {
          this.metrics.scheduleDue(slot.job);
          this.triggerQuietly(slot, { reason: 'schedule' });
        },
        progress: (slot, runId, progress) => this.runs.progress(slot, runId, progress),
        result: (slot, runId, result) => this.runs.finish(slot, runId, result),
        runLost: (slot, runId) => this.runs.lost(slot, runId),
        retired: (jobId) => this.dispatcher.cancel(jobId),
        runnerIdle: () => this.dispatcher.pump(),
        changed: (slot, message) => this.watchTrigger(slot, message),
      },
    });
    this.runs = new JobRuns({
      slots: this.slots,
      logger: options.logger,
      finished: (jobId) => this.dispatcher.finished(jobId),
      retry: (slot) => this.triggerQuietly(slot, { reason: 'retry' }),
      metrics: this.metrics,
      recorded: options.onRunFinished,
    });
  }

  private get log(): Logger {
    return this.options.logger;
  }

  start(): void {
    if (this.stopping) return;
    for (const job of this.config.sync_jobs) this.slots.add(job);
    // A hung sync shows as no progress; checked once a second, only for jobs that set sync_timeout_secs.
    this.timeoutTimer = setInterval(() => this.runs.killHung(), 1000);
    this.timeoutTimer.unref();
    this.log.info(
      { jobs: this.slots.ids().length, configFile: this.configFile },
      `supervising ${this.slots.ids().length} job(s)`,
    );
  }

  trigger(jobId: string, trigger: Trigger): TriggerReply {
    if (this.stopping) {
      if (this.slots.get(jobId)) this.metrics.rejected(jobId, 'stopping');
      throw new SupervisorError('DAEMON_STOPPING', 'the daemon is stopping');
    }
    const slot = this.slotOf(jobId);
    if (!slot.job.enabled || slot.paused) this.metrics.rejected(jobId, slot.paused ? 'paused' : 'disabled');
    if (!slot.job.enabled)
      throw new SupervisorError(
        'JOB_DISABLED',
        `job ${jobId} is disabled in the config; enable it, or run it once with "sync-daemon sync ${jobId}" while the daemon is stopped`,
      );
    if (slot.paused)
      throw new SupervisorError(
        'JOB_PAUSED',
        `job ${jobId} is paused; "sync-daemon job resume ${jobId}" first`,
      );
    // A job whose config says dry_run never writes, whoever asks.
    const dryRun = trigger.dryRun === true || slot.job.sync_options.dry_run;
    const outcome = this.dispatcher.trigger(jobId, { ...trigger, dryRun });
    if (outcome === 'rejected') {
      slot.rejectedTriggers++;
      this.metrics.rejected(jobId, 'queue_full');
      this.log.warn({ job: jobId, reason: trigger.reason }, 'sync queue full: trigger rejected');
      throw new SupervisorError(
        'QUEUE_FULL',
        `the sync queue is full (${this.config.concurrency.sync_queue_size} jobs waiting); try again later`,
      );
    }
    this.metrics.triggered(slot, trigger.reason);
    const runId =
      this.dispatcher.waitingRun(jobId, dryRun)?.runId ?? this.dispatcher.runningRunId(jobId) ?? '';
    this.log.debug({ job: jobId, runId, reason: trigger.reason, outcome }, `trigger ${outcome}`);
    return { job: jobId, runId, outcome };
  }

  /**
   * Where run `runId` of a job stands once it ends or `waitMs` has passed, whichever comes first: a long poll,
   * so `sync --wait` learns of the end at once rather than at its next poll.
   */
  async awaitRun(jobId: string, runId: string, waitMs: number): Promise<RunReply> {
    const reply = this.run(jobId, runId);
    if (waitMs <= 0 || (reply.state !== 'queued' && reply.state !== 'syncing')) return reply;
    await this.runs.history.whenRecorded(runId, waitMs);
    return this.run(jobId, runId);
  }

  /** Where run `runId` of a job stands now. */
  run(jobId: string, runId: string): RunReply {
    return describeRun(this.slotOf(jobId), runId, this.dispatcher.waitingRuns(jobId), this.runs.history);
  }

  pause(jobId: string): JobStatus {
    const slot = this.slotOf(jobId);
    slot.paused = true;
    // A waiting run of watched changes goes with the pause: resuming runs in full.
    if (
      this.dispatcher.waitingRuns(jobId).some((run) => run.reasons.has('watch') || run.reasons.has('startup'))
    )
      slot.watchChangesMissed = true;
    this.dispatcher.cancel(jobId);
    this.log.info({ job: jobId }, 'job paused');
    return this.jobStatus(slot);
  }

  resume(jobId: string): JobStatus {
    const slot = this.slotOf(jobId);
    slot.paused = false;
    this.log.info({ job: jobId }, 'job resumed');
    // What its watchers saw while it was paused was not synced: one full run catches up.
    if (slot.watchChangesMissed) slot.watchChangesMissed = !this.triggerQuietly(slot, { reason: 'watch' });
    return this.jobStatus(slot);
  }

  /** Replaces the job's runner with a fresh one (its current run stops at a safe point first). */
  async restartJob(jobId: string): Promise<JobStatus> {
    if (this.stopping) throw new SupervisorError('DAEMON_STOPPING', 'the daemon is stopping');
    const slot = this.slotOf(jobId);
    if (!slot.job.enabled)
      throw new SupervisorError('JOB_DISABLED', `job ${jobId} is disabled in the config`);
    this.log.info({ job: jobId }, 'restarting runner');
    await this.slots.replace(slot, slot.job);
    return this.jobStatus(slot);
  }

  /** Reads the config again and starts, stops or restarts only the jobs that changed; a bad config changes nothing. */
  reload(): Promise<ReloadReply> {
    if (this.stopping)
      return Promise.reject(new SupervisorError('DAEMON_STOPPING', 'the daemon is stopping'));
    // Reloads are applied one at a time; a second request while one runs waits for it, then reads again.
    const previous = this.reloading ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.applyReload());
    this.reloading = next;
    return next;
  }

  /** What keeps the daemon from being healthy (`/healthz`): stopping, or a config file it could not take. */
  healthProblem(): string | undefined {
    return this.stopping ? 'the daemon is stopping' : this.reloadProblem;
  }

  /** Sets the metrics read at scrape time (queue depth, watched folders). */
  refreshMetrics(): void {
    this.metrics.beforeScrape(this.dispatcher.queued, this.slots.all());
  }

  /** Every runner process now, for sampling its CPU and memory. */
  runnerPids(): { job: string; pid: number }[] {
    return this.slots
      .all()
      .flatMap((slot) =>
        slot.runner?.pid === undefined ? [] : [{ job: slot.job.id, pid: slot.runner.pid }],
      );
  }

  /** The stop timeout in force now (a reload may have changed it). */
  get stopTimeoutSecs(): number {
    return this.config.daemon.stop_timeout_secs;
  }

  status(): DaemonStatus {
    return {
      pid: process.pid,
      version: this.options.version,
      startedAt: this.startedAt.toISOString(),
      uptimeMs: Date.now() - this.startedAt.getTime(),
      configFile: this.configFile,
      configLoadedAt: this.configLoadedAt.toISOString(),
      socketPath: this.options.socketPath,
      stopTimeoutSecs: this.stopTimeoutSecs,
      stopping: this.stopping !== undefined,
      queue: { waiting: this.dispatcher.queued, size: this.config.concurrency.sync_queue_size },
      syncing: this.dispatcher.runningCount,
      maxConcurrentSyncs: this.config.concurrency.max_concurrent_syncs,
      jobs: this.jobs(),
      ...(this.options.telemetryStatus?.() ?? {}),
    };
  }

  /** Each job as `status` shows it (the fleet's heartbeat reads them alone). */
  jobs(): JobStatus[] {
    return this.slots.all().map((slot) => this.jobStatus(slot));
  }

  /** Stops scheduling, lets running syncs reach a safe point and stops every runner. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timeoutTimer);
      this.log.info('stopping: no new runs; running syncs stop at a safe point');
      // A reload in flight finishes first (starting nothing new), then every runner stops.
      await this.reloading?.catch(() => undefined);
      await this.slots.stopAll();
      this.log.info('every runner stopped');
    })();
    return this.stopping;
  }

  private async applyReload(): Promise<ReloadReply> {
    let loaded: LoadedConfig;
    try {
      loaded = await this.options.reloadConfig();
    } catch (error) {
      this.log.error({ err: error }, 'reload rejected: the running config is kept');
      this.metrics.configReloaded(false);
      this.reloadProblem = `the last reload was refused (${(error as Error).message.split('\n')[0]}); the daemon runs the config it had`;
      throw error;
    }
    this.reloadProblem = undefined;
    if (this.stopping) throw new SupervisorError('DAEMON_STOPPING', 'the daemon is stopping');
    const next = loaded.config;
    const warnings = [...loaded.warnings];
    for (const key of ['socket_path', 'log_file', 'log_format', 'log_max_size_mb', 'log_max_files'] as const)
      if (next.daemon[key] !== this.config.daemon[key])
        warnings.push(`daemon.${key} changed: it takes effect when the daemon restarts`);
    // The runners get the new level as they restart (their settings changed); the supervisor's records now.
    if (next.daemon.log_level !== this.config.daemon.log_level) this.log.level(next.daemon.log_level);
    this.config = next;
    this.configFile = loaded.file;
    this.configLoadedAt = new Date();
    this.dispatcher.setLimits({
      maxConcurrentSyncs: next.concurrency.max_concurrent_syncs,
      queueSize: next.concurrency.sync_queue_size,
    });
    const plan = planReload(
      new Map(this.slots.all().map((slot) => [slot.job.id, slot.fingerprint])),
      next.sync_jobs,
      (job) => this.slots.fingerprintOf(job),
    );
    // auto_restart_on_config_change = false: a running sync finishes first; the reload does not wait for it.
    const applied = this.slots.apply(plan, { afterCurrentRun: !next.daemon.auto_restart_on_config_change });
    warnings.push(...applied.warnings);
    await applied.done;
    const ids = (jobs: readonly SyncJob[]) => jobs.map((job) => job.id);
    const reply: ReloadReply = {
      added: ids(plan.added),
      removed: plan.removed,
      restarted: ids(plan.restarted),
      unchanged: ids(plan.unchanged),
      warnings,
    };
    this.log.info({ ...reply }, 'config reloaded');
    this.metrics.configReloaded(true);
    this.options.onReloaded?.(next);
    return reply;
  }

  /** A watcher's batch: its paths, or a full run when it asks for one (a watch (re)started, failed, a rescan). */
  private watchTrigger(slot: JobSlot, message: { watcher: string; paths?: string[]; rescan?: string }): void {
    if (slot.paused) {
      slot.watchChangesMissed = true;
      return;
    }
    const reason = message.rescan === 'watch-started' ? 'startup' : 'watch';
    this.log.debug(
      { job: slot.job.id, watcher: message.watcher, paths: message.paths?.length, rescan: message.rescan },
      'watcher saw changes',
    );
    // Changes missed before: this run is a full one.
    const paths = slot.watchChangesMissed ? undefined : message.paths;
    const accepted = this.triggerQuietly(slot, { reason, ...(paths ? { paths } : {}) });
    slot.watchChangesMissed = !accepted;
  }

  /**
   * A trigger from the daemon itself (schedule, retry, watchers): a refusal is logged and counted, nobody else to
   * tell; false when it was not taken.
   * It never throws: it runs in timer and child-process callbacks, where a throw is an uncaught exception that
   * would end the daemon and every job with it. An unexpected error (a bug) is logged at error level and
   * counted as a rejected trigger: this run did not happen, and the next due or trigger tries again.
   */
  private triggerQuietly(slot: JobSlot, trigger: Trigger): boolean {
    if (slot.paused || this.stopping || !this.slots.isCurrent(slot)) return false;
    const { reason } = trigger;
    try {
      this.trigger(slot.job.id, trigger);
      return true;
    } catch (error) {
      if (!(error instanceof SupervisorError)) {
        slot.rejectedTriggers++;
        this.log.error(
          { job: slot.job.id, reason, err: error },
          `${reason} trigger failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      }
      // A full queue is counted and logged by trigger() itself; any other refusal is, here, never dropped silently.
      if (error.code === 'QUEUE_FULL') return false;
      slot.rejectedTriggers++;
      this.log.warn(
        { job: slot.job.id, reason, code: error.code },
        `${reason} trigger refused: ${error.message}`,
      );
      return false;
    }
  }

  private jobStatus(slot: JobSlot): JobStatus {
    return describeJobSlot(slot, this.dispatcher.waitingRun(slot.job.id) !== undefined);
  }

  private slotOf(jobId: string): JobSlot {
    const slot = this.slots.get(jobId);
    if (slot) return slot;
    const ids = this.slots.ids();
    const hint = ids.length ? `; did you mean "${closest(jobId, ids)}"? (jobs: ${ids.join(', ')})` : '';
    throw new SupervisorError('UNKNOWN_JOB', `no sync job "${jobId}" in the daemon's config${hint}`);
  }
}
