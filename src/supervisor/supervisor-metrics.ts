import { parseDuration } from '../config/parse-duration.js';
import type { SyncJob } from '../config/schema.js';
import type { RunnerState, RunSummary } from '../control/daemon-api.js';
import { countErrorCodes } from '../engine/count-error-codes.js';
import type { DaemonMetrics } from '../telemetry/metrics/daemon-metrics.js';
import {
  type TriggerReason,
  type TriggerRejectReason,
  WATCHER_EVENTS,
  type WatcherEvent,
} from '../telemetry/metrics/metric-labels.js';
import type { WatcherStatus } from '../watch/watcher-settings.js';
import type { TriggerReason as DispatchReason } from './dispatcher.js';
import type { JobSlot } from './job-slot.js';
import type { RunResult } from './run-history.js';

/**
 * The supervisor's events as metrics (DESIGN.md, "Metrics"): one call per event where the supervisor sees it,
 * translated to the metrics' closed label sets. Without a metrics registry (metrics off, tests) every call is a
 * no-op, so the supervisor never asks whether metrics are on.
 */
export class SupervisorMetrics {
  /**
   * The jobs of the config in force. Only these are counted: a job removed by a reload still emits events while
   * its runner stops (states, a last result, a usage sample), which would bring its series back.
   */
  private readonly current = new Set<string>();
  /** When each cron job was last due: the gap to the next due is its period. */
  private readonly lastDueMs = new Map<string, number>();
  /** Each watcher's event counts as last reported: its counters grow by the difference. */
  private readonly reportedEvents = new Map<string, Partial<Record<WatcherEvent, number>>>();

  constructor(private readonly metrics: DaemonMetrics | undefined) {}

  /** A job (re)started with these settings: its series exist from now on, its schedule period is known. */
  jobStarted(job: SyncJob): void {
    this.current.add(job.id);
    this.metrics?.addJob(job.id);
    this.lastDueMs.delete(job.id);
    const { schedule } = job;
    this.metrics?.setScheduleInterval(
      job.id,
      schedule.type === 'interval' ? (parseDuration(schedule.interval) ?? 0) / 1000 : undefined,
    );
  }

  jobRemoved(jobId: string): void {
    this.current.delete(jobId);
    this.metrics?.removeJob(jobId);
    this.lastDueMs.delete(jobId);
    this.forgetWatchers(jobId);
  }

  /** The job's schedule said it was time: a cron job's period is learned from two of these. */
  scheduleDue(job: SyncJob): void {
    if (job.schedule.type !== 'cron' || !this.current.has(job.id)) return;
    const now = Date.now();
    const last = this.lastDueMs.get(job.id);
    this.lastDueMs.set(job.id, now);
    if (last !== undefined) this.metrics?.setScheduleInterval(job.id, (now - last) / 1000);
  }

  /** A trigger taken (queued, merged or pending): why, with "schedule" told apart as interval or cron. */
  triggered(slot: JobSlot, reason: DispatchReason): void {
    if (this.current.has(slot.job.id)) this.metrics?.triggered(slot.job.id, metricsReason(slot, reason));
  }

  rejected(jobId: string, reason: TriggerRejectReason): void {
    if (this.current.has(jobId)) this.metrics?.triggerRejected(jobId, reason);
  }

  runStarted(jobId: string): void {
    if (this.current.has(jobId)) this.metrics?.runStarted(jobId);
  }

  runFinished(jobId: string, run: RunSummary, result: RunResult): void {
    if (!this.metrics || !this.current.has(jobId)) return;
    const { stats } = run;
    // Every error by code when the runner counted them; else the errors listed are all there is to count.
    const errorCounts = result.errorCounts ?? countErrorCodes(run.errors);
    this.metrics.runFinished(jobId, {
      outcome: run.outcome,
      durationSeconds: run.durationMs / 1000,
      stats: {
        copied: stats.copied,
        updated: stats.updated,
        deleted: stats.deleted,
        skipped: stats.skipped,
        bytesCopied: stats.bytesCopied,
      },
      errorCounts,
      finishedAtMs: Date.parse(run.finishedAt),
      dryRun: run.dryRun,
    });
  }

  /** A runner's new state; a crash is the move to backoff or crashloop, and counts as a restart. */
  runnerState(jobId: string, state: RunnerState): void {
    if (!this.current.has(jobId)) return;
    this.metrics?.setRunnerState(jobId, state);
    if (state === 'backoff' || state === 'crashloop') this.metrics?.runnerRestarted(jobId);
    // A new runner's watchers count from zero again.
    if (state === 'starting') this.forgetWatchers(jobId);
  }

  /** A runner's report of its watchers: the events each saw since the last report. */
  watchers(jobId: string, watchers: readonly WatcherStatus[]): void {
    if (!this.metrics || !this.current.has(jobId)) return;
    for (const watcher of watchers) {
      const key = `${jobId}\0${watcher.id}`;
      const before = this.reportedEvents.get(key) ?? {};
      const now = watcher.eventCounts ?? {};
      for (const event of WATCHER_EVENTS) {
        const added = (now[event] ?? 0) - (before[event] ?? 0);
        if (added > 0) this.metrics.watcherEvents(jobId, event, added);
      }
      this.reportedEvents.set(key, { ...now });
    }
  }

  configReloaded(ok: boolean): void {
    this.metrics?.configReloaded(ok ? 'ok' : 'failed');
  }

  /** The gauges read at scrape time rather than kept up to date on every change. */
  beforeScrape(queueDepth: number, slots: readonly JobSlot[]): void {
    if (!this.metrics) return;
    this.metrics.setQueueDepth(queueDepth);
    for (const slot of slots)
      if (slot.job.enabled && this.current.has(slot.job.id))
        this.metrics.setWatchedFolders(slot.job.id, slot.watchers?.inotifyWatches ?? 0);
  }

  private forgetWatchers(jobId: string): void {
    for (const key of this.reportedEvents.keys())
      if (key.startsWith(`${jobId}\0`)) this.reportedEvents.delete(key);
  }
}

function metricsReason(slot: JobSlot, reason: DispatchReason): TriggerReason {
  if (reason !== 'schedule') return reason;
  return slot.job.schedule.type === 'cron' ? 'cron' : 'interval';
}
