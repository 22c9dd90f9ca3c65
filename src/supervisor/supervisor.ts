import type Logger from 'bunyan';
import { closest } from 'fastest-levenshtein';
import type { LoadedConfig } from '../config/load-config.js';
import type { Config, SyncJob } from '../config/schema.js';
import type { DaemonStatus, JobStatus, ReloadReply, RunReply, TriggerReply } from '../control/daemon-api.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import { breakDestinationLock, lockDirOf } from '../jobs/destination-lock.js';
import { startJobSchedule } from '../scheduler/job-schedule.js';
import { Dispatcher, type PlannedRun, type Trigger } from './dispatcher.js';
import { describeJobSlot, fingerprintOf, isHung, type JobSlot, newJobSlot } from './job-slot.js';
import { planReload } from './plan-reload.js';
import { failedRun, logRunEnd, RunHistory, type RunResult } from './run-history.js';
import type { RunnerHandle, RunnerProcess } from './runner-handle.js';
import { SlotTransitions } from './slot-transitions.js';
import { startJobRunner } from './start-job-runner.js';
import { SupervisorError } from './supervisor-error.js';

export interface SupervisorOptions {
  loaded: LoadedConfig;
  socketPath: string;
  version: string;
  logger: Logger;
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
  private readonly slots = new Map<string, JobSlot>();
  private readonly history = new RunHistory();
  private readonly dispatcher: Dispatcher;
  private readonly startedAt = new Date();
  private timeoutTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private reloading: Promise<ReloadReply> | undefined;
  private readonly transitions = new SlotTransitions<JobSlot>();

  constructor(private readonly options: SupervisorOptions) {
    this.config = options.loaded.config;
    this.configFile = options.loaded.file;
    this.dispatcher = new Dispatcher({
      maxConcurrentSyncs: this.config.concurrency.max_concurrent_syncs,
      queueSize: this.config.concurrency.sync_queue_size,
      startRun: (run) => this.startRun(run),
    });
  }

  private get log(): Logger {
    return this.options.logger;
  }

  start(): void {
    if (this.stopping) return;
    for (const job of this.config.sync_jobs) this.addSlot(job);
    // A hung sync shows as no progress; checked once a second, only for jobs that set sync_timeout_secs.
    this.timeoutTimer = setInterval(() => this.killHungRuns(), 1000);
    this.timeoutTimer.unref();
    this.log.info(
      { jobs: this.slots.size, configFile: this.configFile },
      `supervising ${this.slots.size} job(s)`,
    );
  }

  trigger(jobId: string, trigger: Trigger): TriggerReply {
    if (this.stopping) throw new SupervisorError('DAEMON_STOPPING', 'the daemon is stopping');
    const slot = this.slotOf(jobId);
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
    const waiting = this.dispatcher.waitingRun(jobId);
    if (waiting && waiting.dryRun !== dryRun)
      throw new SupervisorError(
        'RUN_CONFLICT',
        `job ${jobId} already has a ${waiting.dryRun ? 'dry' : 'real'} run waiting; ask again once it has started`,
      );
    const outcome = this.dispatcher.trigger(jobId, { ...trigger, dryRun });
    if (outcome === 'rejected') {
      slot.rejectedTriggers++;
      this.log.warn({ job: jobId, reason: trigger.reason }, 'sync queue full: trigger rejected');
      throw new SupervisorError(
        'QUEUE_FULL',
        `the sync queue is full (${this.config.concurrency.sync_queue_size} runs waiting); try again later`,
      );
    }
    const runId = this.dispatcher.waitingRun(jobId)?.runId ?? this.dispatcher.runningRunId(jobId) ?? '';
    this.log.debug({ job: jobId, runId, reason: trigger.reason, outcome }, `trigger ${outcome}`);
    return { job: jobId, runId, outcome };
  }

  run(jobId: string, runId: string): RunReply {
    const slot = this.slotOf(jobId);
    if (this.dispatcher.waitingRun(jobId)?.runId === runId) return { state: 'queued', job: jobId, runId };
    if (slot.current?.runId === runId)
      return {
        state: 'syncing',
        job: jobId,
        runId,
        ...(slot.current.progress ? { progress: slot.current.progress } : {}),
      };
    const done = this.history.get(runId);
    if (done) return { state: 'done', job: jobId, runId, run: done };
    return { state: 'unknown', job: jobId, runId };
  }

  pause(jobId: string): JobStatus {
    const slot = this.slotOf(jobId);
    slot.paused = true;
    this.dispatcher.cancel(jobId);
    this.log.info({ job: jobId }, 'job paused');
    return this.jobStatus(slot);
  }

  resume(jobId: string): JobStatus {
    const slot = this.slotOf(jobId);
    slot.paused = false;
    this.log.info({ job: jobId }, 'job resumed');
    return this.jobStatus(slot);
  }

  /** Replaces the job's runner with a fresh one (its current run stops at a safe point first). */
  async restartJob(jobId: string): Promise<JobStatus> {
    if (this.stopping) throw new SupervisorError('DAEMON_STOPPING', 'the daemon is stopping');
    const slot = this.slotOf(jobId);
    if (!slot.job.enabled)
      throw new SupervisorError('JOB_DISABLED', `job ${jobId} is disabled in the config`);
    this.log.info({ job: jobId }, 'restarting runner');
    await this.replaceRunner(slot, slot.job);
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

  status(): DaemonStatus {
    return {
      pid: process.pid,
      version: this.options.version,
      startedAt: this.startedAt.toISOString(),
      uptimeMs: Date.now() - this.startedAt.getTime(),
      configFile: this.configFile,
      configLoadedAt: this.configLoadedAt.toISOString(),
      socketPath: this.options.socketPath,
      stopTimeoutSecs: this.config.daemon.stop_timeout_secs,
      stopping: this.stopping !== undefined,
      queue: { waiting: this.dispatcher.queued, size: this.config.concurrency.sync_queue_size },
      syncing: this.dispatcher.runningCount,
      maxConcurrentSyncs: this.config.concurrency.max_concurrent_syncs,
      jobs: [...this.slots.values()].map((slot) => this.jobStatus(slot)),
    };
  }

  /** Stops scheduling, lets running syncs reach a safe point and stops every runner. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timeoutTimer);
      this.log.info('stopping: no new runs; running syncs stop at a safe point');
      for (const slot of this.slots.values()) {
        slot.schedule?.stop();
        this.dispatcher.cancel(slot.job.id);
      }
      // A reload or restart in flight finishes first (starting nothing new), then every runner stops.
      await this.reloading?.catch(() => undefined);
      await this.transitions.idle();
      await Promise.all([...this.slots.values()].map((slot) => slot.runner?.stop()));
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
      throw error;
    }
    if (this.stopping) throw new SupervisorError('DAEMON_STOPPING', 'the daemon is stopping');
    const next = loaded.config;
    const warnings = [...loaded.warnings];
    if (next.daemon.socket_path !== this.config.daemon.socket_path)
      warnings.push('daemon.socket_path changed: it takes effect when the daemon restarts');
    this.config = next;
    this.configFile = loaded.file;
    this.configLoadedAt = new Date();
    this.dispatcher.setLimits({
      maxConcurrentSyncs: next.concurrency.max_concurrent_syncs,
      queueSize: next.concurrency.sync_queue_size,
    });
    const plan = planReload(
      new Map([...this.slots].map(([id, slot]) => [id, slot.fingerprint])),
      next.sync_jobs,
      (job) => this.fingerprintOf(job),
    );
    const work: Promise<void>[] = [];
    for (const id of plan.removed) {
      const slot = this.slots.get(id);
      if (slot) work.push(this.removeSlot(slot));
    }
    for (const job of plan.added) this.addSlot(job);
    for (const job of plan.unchanged) {
      const slot = this.slots.get(job.id);
      // Same runner settings; other fields (the name) are taken as they are now.
      if (slot) slot.job = job;
    }
    for (const job of plan.restarted) {
      const slot = this.slots.get(job.id);
      if (slot) work.push(this.replaceRunner(slot, job));
    }
    await Promise.all(work);
    const ids = (jobs: readonly SyncJob[]) => jobs.map((job) => job.id);
    const reply: ReloadReply = {
      added: ids(plan.added),
      removed: plan.removed,
      restarted: ids(plan.restarted),
      unchanged: ids(plan.unchanged),
      warnings,
    };
    this.log.info({ ...reply }, 'config reloaded');
    return reply;
  }

  private addSlot(job: SyncJob): void {
    const slot = newJobSlot(job, this.fingerprintOf(job));
    this.slots.set(job.id, slot);
    this.activate(slot);
  }

  private removeSlot(slot: JobSlot): Promise<void> {
    this.slots.delete(slot.job.id);
    this.dispatcher.cancel(slot.job.id);
    return this.transitions.run(slot, () => this.deactivate(slot));
  }

  private replaceRunner(slot: JobSlot, job: SyncJob): Promise<void> {
    return this.transitions.run(slot, async () => {
      await this.deactivate(slot);
      // Removed or shutting down meanwhile: nothing starts again.
      if (this.stopping || this.slots.get(job.id) !== slot) return;
      slot.earlierRestarts += 1;
      slot.job = job;
      slot.fingerprint = this.fingerprintOf(job);
      this.activate(slot);
    });
  }

  /** Starts the slot's runner and schedule (an enabled job only). */
  private activate(slot: JobSlot): void {
    const { job } = slot;
    if (this.stopping) return;
    if (!job.enabled) {
      // A disabled job runs nothing: a run it had waiting would hold a queue place for ever.
      this.dispatcher.cancel(job.id);
      return;
    }
    slot.runner = this.startRunner(slot);
    slot.schedule = startJobSchedule(job.schedule, () => this.scheduledRun(job.id));
  }

  private async deactivate(slot: JobSlot): Promise<void> {
    slot.schedule?.stop();
    slot.schedule = undefined;
    const runner = slot.runner;
    if (!runner) return;
    slot.earlierRestarts += runner.restarts;
    await runner.stop();
    if (slot.runner === runner) slot.runner = undefined;
  }

  private scheduledRun(jobId: string): void {
    const slot = this.slots.get(jobId);
    if (!slot || slot.paused || this.stopping) return;
    try {
      this.trigger(jobId, { reason: 'schedule' });
    } catch (error) {
      // Already logged and counted (a full queue); a schedule has nobody else to tell.
      if (!(error instanceof SupervisorError)) throw error;
    }
  }

  private startRunner(slot: JobSlot): RunnerHandle {
    const { socketPath, logger, spawnRunner } = this.options;
    return startJobRunner(
      this.config,
      slot.job,
      { socketPath, logger, spawn: spawnRunner },
      {
        progress: (runId, progress) => {
          if (slot.current?.runId !== runId) return;
          slot.current.progress = progress;
          slot.current.lastProgressAtMs = Date.now();
        },
        result: (runId, result) => this.finishRun(slot, runId, result),
        runLost: (runId) => this.runLost(slot, runId),
        state: (state) => {
          if ((state === 'backoff' || state === 'crashloop') && slot.killedWithLock) {
            slot.killedWithLock = false;
            breakDestinationLock(slot.job.destination_path, lockDirOf(socketPath));
          }
          if (state === 'idle') this.dispatcher.pump();
        },
      },
    );
  }

  private startRun(run: PlannedRun): boolean {
    const slot = this.slots.get(run.jobId);
    if (!slot?.runner || slot.paused) return false;
    const paths = run.paths ? [...run.paths] : undefined;
    const started = slot.runner.sync(run.runId, paths ? 'paths' : 'full', {
      ...(paths ? { paths } : {}),
      ...(run.dryRun ? { dryRun: true } : {}),
    });
    if (!started) return false;
    const now = Date.now();
    slot.current = {
      runId: run.runId,
      reasons: [...run.reasons],
      dryRun: run.dryRun,
      startedAt: new Date(now).toISOString(),
      startedAtMs: now,
      lastProgressAtMs: now,
    };
    this.log.info({ job: run.jobId, runId: run.runId, reasons: [...run.reasons] }, 'sync started');
    return true;
  }

  private finishRun(slot: JobSlot, runId: string, result: RunResult): void {
    const current = slot.current;
    if (current?.runId !== runId) return;
    slot.current = undefined;
    slot.lastRun = this.history.record(current, result);
    logRunEnd(this.log, slot.job.id, slot.lastRun);
    this.dispatcher.finished(slot.job.id);
  }

  /** The runner died during a run: report it, and run the job again once the runner is back. */
  private runLost(slot: JobSlot, runId: string): void {
    const current = slot.current;
    if (current?.runId !== runId) return;
    this.finishRun(
      slot,
      runId,
      failedRun('RUNNER_EXITED', 'the runner exited during the run; it is restarted'),
    );
    // Its holder is dead: the run after it must not wait for the lock to go stale.
    if (!current.dryRun) breakDestinationLock(slot.job.destination_path, lockDirOf(this.options.socketPath));
    const active = this.slots.get(slot.job.id) === slot && slot.runner !== undefined;
    if (active && !slot.paused && !current.dryRun && !this.stopping) {
      try {
        this.trigger(slot.job.id, { reason: 'retry' });
      } catch (error) {
        if (!(error instanceof SupervisorError)) throw error;
      }
    }
  }

  private killHungRuns(): void {
    for (const slot of this.slots.values()) {
      const { current } = slot;
      const limitSecs = current && isHung(slot, Date.now()) ? slot.job.sync_timeout_secs : undefined;
      if (!current || limitSecs === undefined) continue;
      const message = `no progress for ${limitSecs}s (sync_timeout_secs): the runner was killed and restarted`;
      this.log.error({ job: slot.job.id, runId: current.runId }, message);
      this.finishRun(slot, current.runId, failedRun('SYNC_TIMEOUT', message));
      slot.killedWithLock = !current.dryRun;
      slot.runner?.kill();
    }
  }

  private jobStatus(slot: JobSlot): JobStatus {
    return describeJobSlot(slot, this.dispatcher.waitingRun(slot.job.id) !== undefined);
  }

  private slotOf(jobId: string): JobSlot {
    const slot = this.slots.get(jobId);
    if (slot) return slot;
    const ids = [...this.slots.keys()];
    const hint = ids.length ? `; did you mean "${closest(jobId, ids)}"? (jobs: ${ids.join(', ')})` : '';
    throw new SupervisorError('UNKNOWN_JOB', `no sync job "${jobId}" in the daemon's config${hint}`);
  }

  private fingerprintOf(job: SyncJob): string {
    return fingerprintOf(this.config, job, this.options.socketPath);
  }
}
