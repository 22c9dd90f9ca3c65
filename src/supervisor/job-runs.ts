import type Logger from 'bunyan';
import type { RunSummary } from '../control/daemon-api.js';
import { failedResult } from '../engine/failed-result.js';
import type { SyncProgress } from '../engine/types.js';
import type { PlannedRun } from './dispatcher.js';
import { isHung, type JobSlot } from './job-slot.js';
import type { JobSlots } from './job-slots.js';
import { logRunEnd, RunHistory, type RunResult } from './run-history.js';
import type { SupervisorMetrics } from './supervisor-metrics.js';

export interface JobRunsOptions {
  slots: JobSlots;
  logger: Logger;
  /** A run ended (or was lost): the dispatcher frees its place. */
  finished: (jobId: string) => void;
  /** A run was lost with its runner: ask for it again. */
  retry: (slot: JobSlot) => void;
  metrics: SupervisorMetrics;
  /** A run's summary was recorded (dry runs too). */
  recorded?: ((jobId: string, run: RunSummary) => void) | undefined;
}

/**
 * Each run from the moment the dispatcher starts it on its job's runner to its result: progress, the end, a run
 * lost with its runner or stopped for a new one (run again), a run with no progress past `sync_timeout_secs` (its
 * runner killed).
 */
export class JobRuns {
  readonly history = new RunHistory();

  constructor(private readonly options: JobRunsOptions) {}

  /** Starts the run on its job's runner; false when the runner cannot take it now (the run stays queued). */
  start(run: PlannedRun): boolean {
    const slot = this.options.slots.get(run.jobId);
    // A runner about to be replaced (a reload waiting for its run to end) takes nothing new: the new one will.
    if (!slot?.runner || slot.paused || slot.restartPending) return false;
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
      incremental: paths !== undefined,
    };
    this.options.logger.info({ job: run.jobId, runId: run.runId, reasons: [...run.reasons] }, 'sync started');
    this.options.metrics.runStarted(run.jobId);
    return true;
  }

  progress(slot: JobSlot, runId: string, progress: SyncProgress): void {
    if (slot.current?.runId !== runId) return;
    slot.current.progress = progress;
    slot.current.lastProgressAtMs = Date.now();
  }

  finish(slot: JobSlot, runId: string, result: RunResult, { runnerLost = false } = {}): void {
    const current = slot.current;
    if (current?.runId !== runId) return;
    slot.current = undefined;
    slot.lastRun = this.history.record(slot.job.id, current, result);
    logRunEnd(this.options.logger, slot.job.id, slot.lastRun);
    this.options.recorded?.(slot.job.id, slot.lastRun);
    this.options.metrics.runFinished(slot.job.id, slot.lastRun, result);
    this.options.finished(slot.job.id);
    const interrupted = slot.interruptedRunId === runId;
    if (interrupted) slot.interruptedRunId = undefined;
    if (current.dryRun) return;
    // Run again, once: a run stopped half done for a new runner (a reload), queued now to start once the new
    // runner is ready; a run lost with its runner, once the runner is back (unless the job went or is paused).
    const restarting = this.options.slots.isCurrent(slot) && slot.runner !== undefined && !slot.paused;
    // A watcher's changed paths that did not all sync (lock busy, deletions held back) are not lost: a full run
    // finds them.
    const incompleteWatchRun = current.incremental && result.outcome !== 'ok';
    if (interrupted || ((runnerLost || incompleteWatchRun) && restarting)) this.options.retry(slot);
  }

  /** The runner died during a run: report it, and run the job again once the runner is back. */
  lost(slot: JobSlot, runId: string): void {
    const message = 'the runner exited during the run; it is restarted';
    this.finish(slot, runId, failedResult('RUNNER_EXITED', message), { runnerLost: true });
  }

  /** Kills the runners of runs with no progress for their job's `sync_timeout_secs`; they restart. */
  killHung(): void {
    for (const slot of this.options.slots.all()) {
      const { current } = slot;
      const limitSecs = current && isHung(slot, Date.now()) ? slot.job.sync_timeout_secs : undefined;
      if (!current || limitSecs === undefined) continue;
      const message = `no progress for ${limitSecs}s (sync_timeout_secs): the runner was killed and restarted`;
      this.options.logger.error({ job: slot.job.id, runId: current.runId }, message);
      this.finish(slot, current.runId, failedResult('SYNC_TIMEOUT', message));
      slot.runner?.kill();
    }
  }
}
