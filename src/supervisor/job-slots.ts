import { setTimeout as delay } from 'node:timers/promises';
import type Logger from 'bunyan';
import type { Config, SyncJob } from '../config/schema.js';
import type { RunnerState } from '../control/daemon-api.js';
import type { SyncProgress } from '../engine/types.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import type { RunnerToSupervisor } from '../ipc/runner-protocol.js';
import { startJobSchedule } from '../scheduler/job-schedule.js';
import { fingerprintOf, type JobSlot, newJobSlot } from './job-slot.js';
import type { ReloadPlan } from './plan-reload.js';
import type { RunResult } from './run-history.js';
import type { RunnerProcess } from './runner-handle.js';
import { SlotTransitions } from './slot-transitions.js';
import { startJobRunner } from './start-job-runner.js';
import type { SupervisorMetrics } from './supervisor-metrics.js';

/** How often a restart waiting for a running sync looks whether it has ended. */
const RUN_END_POLL_MS = 100;

/** What the supervisor does with each slot's news; the slots only start, stop and replace runners. */
export interface SlotEvents {
  /** The job's schedule says it is time. */
  due(slot: JobSlot): void;
  progress(slot: JobSlot, runId: string, progress: SyncProgress): void;
  result(slot: JobSlot, runId: string, result: RunResult): void;
  runLost(slot: JobSlot, runId: string): void;
  /** The job will run nothing (removed or disabled): a run it had waiting must go. */
  retired(jobId: string): void;
  runnerIdle(slot: JobSlot): void;
  /** A watcher of the job saw changes (or asks for a full run). */
  changed(slot: JobSlot, message: Extract<RunnerToSupervisor, { type: 'changed' }>): void;
}

export interface JobSlotsOptions {
  lockDir: string;
  logger: Logger;
  spawnRunner?: ((job: RunnerJob) => RunnerProcess) | undefined;
  /** The config in force (it changes on reload). */
  config: () => Config;
  /** Once true, nothing starts any more. */
  stopping: () => boolean;
  events: SlotEvents;
  /** Counts jobs coming and going, runner states and crashes, watcher events. */
  metrics: SupervisorMetrics;
}

/**
 * Every job's slot and the lifecycle of its runner and schedule: start, stop, replace, one change at a time per
 * job (SlotTransitions), and nothing started once the daemon is stopping.
 */
export class JobSlots {
  private readonly slots = new Map<string, JobSlot>();
  private readonly transitions = new SlotTransitions<JobSlot>();

  constructor(private readonly options: JobSlotsOptions) {}

  get(jobId: string): JobSlot | undefined {
    return this.slots.get(jobId);
  }

  ids(): string[] {
    return [...this.slots.keys()];
  }

  all(): JobSlot[] {
    return [...this.slots.values()];
  }

  /** Whether this slot is still the job's (not removed by a reload meanwhile). */
  isCurrent(slot: JobSlot): boolean {
    return this.slots.get(slot.job.id) === slot;
  }

  fingerprintOf(job: SyncJob): string {
    return fingerprintOf(this.options.config(), job, this.options.lockDir);
  }

  add(job: SyncJob): void {
    this.options.metrics.jobStarted(job);
    const slot = newJobSlot(job, this.fingerprintOf(job));
    this.slots.set(job.id, slot);
    this.activate(slot);
  }

  remove(slot: JobSlot): Promise<void> {
    this.options.metrics.jobRemoved(slot.job.id);
    this.slots.delete(slot.job.id);
    this.options.events.retired(slot.job.id);
    return this.transitions.run(slot, () => this.deactivate(slot));
  }

  /**
   * Applies a reload's plan: removed jobs stop, added ones start, unchanged ones take their new non-runner fields,
   * changed ones restart (`afterCurrentRun`: a running sync ends first, and the plan does not wait for it).
   */
  apply(
    plan: ReloadPlan,
    { afterCurrentRun }: { afterCurrentRun: boolean },
  ): { done: Promise<unknown>; warnings: string[] } {
    const work: Promise<void>[] = [];
    const warnings: string[] = [];
    for (const id of plan.removed) {
      const slot = this.get(id);
      if (slot) work.push(this.remove(slot));
    }
    for (const job of plan.added) this.add(job);
    for (const job of plan.unchanged) {
      const slot = this.get(job.id);
      // Same runner settings; other fields (the name) are taken as they are now.
      if (slot) slot.job = job;
    }
    for (const job of plan.restarted) {
      const slot = this.get(job.id);
      if (!slot) continue;
      const waits = afterCurrentRun && slot.current !== undefined;
      const replaced = this.replace(slot, job, { afterCurrentRun: waits });
      if (!waits) work.push(replaced);
      else {
        warnings.push(`job ${job.id} restarts with its new settings once its running sync ends`);
        replaced.catch((error: unknown) =>
          this.options.logger.error({ job: job.id, err: error }, 'restart after the run failed'),
        );
      }
    }
    return { done: Promise.all(work), warnings };
  }

  /**
   * A new runner (and schedule) for the job, once the old one has stopped at a safe point. `afterCurrentRun`: a
   * running sync ends first (nothing new starts meanwhile), rather than being stopped half done.
   */
  replace(slot: JobSlot, job: SyncJob, { afterCurrentRun = false } = {}): Promise<void> {
    if (afterCurrentRun && slot.current) slot.restartPending = true;
    return this.transitions.run(slot, async () => {
      while (slot.restartPending && slot.current && !this.options.stopping()) await delay(RUN_END_POLL_MS);
      slot.restartPending = false;
      // Its run stops at a safe point, half done: it runs again, with the new settings, on the new runner.
      slot.interruptedRunId = slot.current?.runId;
      await this.deactivate(slot);
      // Removed or shutting down meanwhile: nothing starts again.
      if (this.options.stopping() || !this.isCurrent(slot)) return;
      slot.earlierRestarts += 1;
      slot.job = job;
      slot.fingerprint = this.fingerprintOf(job);
      this.options.metrics.jobStarted(job);
      this.activate(slot);
    });
  }

  /** Stops every schedule at once, waits for changes in flight, then stops every runner. */
  async stopAll(): Promise<void> {
    for (const slot of this.slots.values()) {
      slot.schedule?.stop();
      this.options.events.retired(slot.job.id);
    }
    await this.transitions.idle();
    await Promise.all(this.all().map((slot) => slot.runner?.stop()));
  }

  /** Starts the slot's runner and schedule (an enabled job only). */
  private activate(slot: JobSlot): void {
    const { job } = slot;
    if (this.options.stopping()) return;
    if (!job.enabled) {
      this.options.events.retired(job.id);
      return;
    }
    slot.runner = this.startRunner(slot);
    slot.schedule = startJobSchedule(job.schedule, () => this.options.events.due(slot));
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

  private startRunner(slot: JobSlot) {
    const { lockDir, logger, spawnRunner, events, metrics } = this.options;
    return startJobRunner(
      this.options.config(),
      slot.job,
      { lockDir, logger, spawn: spawnRunner },
      {
        progress: (runId, progress) => events.progress(slot, runId, progress),
        result: (runId, result) => events.result(slot, runId, result),
        runLost: (runId) => events.runLost(slot, runId),
        state: (state: RunnerState) => {
          metrics.runnerState(slot.job.id, state);
          if (state === 'idle') events.runnerIdle(slot);
          // A new runner's watchers start over; the last one's statuses describe nothing that runs.
          if (state === 'starting') slot.watchers = undefined;
        },
        changed: (message) => events.changed(slot, message),
        watchers: ({ watchers, inotifyWatches }) => {
          slot.watchers = { watchers, ...(inotifyWatches === undefined ? {} : { inotifyWatches }) };
          metrics.watchers(slot.job.id, watchers);
        },
      },
    );
  }
}
