import { collectDefaultMetrics, Registry } from 'prom-client';
import { type DaemonMetricSet, defineDaemonMetrics } from './define-daemon-metrics.js';
import { errorReason } from './error-reason.js';
import {
  CONFIG_RELOAD_RESULTS,
  type ConfigReloadResult,
  ERROR_REASONS,
  type MetricsRunnerState,
  RUN_RESULTS,
  RUNNER_ALIVE_STATES,
  RUNNER_STATES,
  type RunResult,
  TRIGGER_REASONS,
  TRIGGER_REJECT_REASONS,
  type TriggerReason,
  type TriggerRejectReason,
  WATCHER_EVENTS,
  type WatcherEvent,
} from './metric-labels.js';

// prom-client names three plain gauges `..._total`, which promtool's lint rejects (a `_total` name promises a
// counter); each is the sum of the grouped gauge beside it (`nodejs_active_handles` and so on).
const DEFAULT_METRICS_MISNAMED = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** What a run changed, as the engine counted it. */
export interface RunFileStats {
  copied: number;
  updated: number;
  deleted: number;
  skipped: number;
  bytesCopied: number;
}

/** A run as `runFinished` records it. */
export interface FinishedRun {
  outcome: RunResult;
  durationSeconds: number;
  stats: RunFileStats;
  /** How many errors of each engine code the run had. */
  errorCounts: Readonly<Record<string, number>>;
  finishedAtMs: number;
  dryRun: boolean;
}

/** One sample of a runner process: its CPU time so far and its resident memory. */
export interface RunnerUsage {
  cpuSeconds: number;
  rssBytes: number;
}

export interface DaemonMetricsOptions {
  /** The daemon's own version, for `sync_daemon_build_info`. */
  version: string;
  /** Defaults to the running Node.js. */
  nodeVersion?: string;
  /** When the daemon started (ms since the epoch); defaults to this process's start. */
  startedAtMs?: number;
  /** The clock uptime is read from; tests replace it. */
  now?: () => number;
}

// A counter that throws would take the supervisor's handler down with it; a value that cannot be counted counts 0.
function countable(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * The daemon's Prometheus metrics in a registry of their own (never prom-client's global one, so that two
 * instances, as tests make, never clash). The supervisor calls one method per event; nothing here reads state.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly metrics: DaemonMetricSet;
  private readonly jobs = new Set<string>();
  private readonly runningJobs = new Set<string>();
  /** Per job, the runner pid last sampled and its CPU seconds then: the counter grows by the difference. */
  private readonly cpuBaselines = new Map<string, { pid: number; cpuSeconds: number }>();

  constructor({
    version,
    nodeVersion = process.versions.node,
    startedAtMs = performance.timeOrigin,
    now = Date.now,
  }: DaemonMetricsOptions) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of DEFAULT_METRICS_MISNAMED) this.registry.removeSingleMetric(name);
    this.metrics = defineDaemonMetrics(this.registry, {
      uptimeSeconds: () => Math.max(0, (now() - startedAtMs) / 1000),
    });
    this.metrics.buildInfo.set({ version, node_version: nodeVersion }, 1);
    this.metrics.queueDepth.set(0);
    this.metrics.syncsInProgress.set(0);
    for (const result of CONFIG_RELOAD_RESULTS) this.metrics.configReloads.inc({ result }, 0);
  }

  /** The Content-Type header of `metricsText()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format, as a scrape gets it. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Creates a job's counters at 0, so that `increase()` sees its first failure, rejection or error (a series
   * that appears with the value 1 has no increase). Every per-job method calls it; calling it again is free.
   */
  addJob(job: string): void {
    if (this.jobs.has(job)) return;
    this.jobs.add(job);
    const metrics = this.metrics;
    const sync_job = job;
    for (const result of RUN_RESULTS) metrics.runs.inc({ sync_job, result }, 0);
    metrics.duration.zero({ sync_job });
    for (const counter of [
      metrics.filesCopied,
      metrics.filesUpdated,
      metrics.filesDeleted,
      metrics.filesSkipped,
      metrics.bytesCopied,
    ]) {
      counter.inc({ sync_job }, 0);
    }
    for (const reason of ERROR_REASONS) metrics.errors.inc({ sync_job, reason }, 0);
    for (const reason of TRIGGER_REASONS) metrics.triggers.inc({ sync_job, reason }, 0);
    for (const reason of TRIGGER_REJECT_REASONS) metrics.triggersRejected.inc({ sync_job, reason }, 0);
    metrics.runnerRestarts.inc({ sync_job }, 0);
    metrics.runnerCpu.inc({ sync_job }, 0);
    for (const event of WATCHER_EVENTS) metrics.watcherEvents.inc({ sync_job, event }, 0);
  }

  /** Drops every series of a job, as when a config reload removes it. */
  removeJob(job: string): void {
    const metrics = this.metrics;
    const sync_job = job;
    for (const result of RUN_RESULTS) metrics.runs.remove({ sync_job, result });
    for (const reason of ERROR_REASONS) metrics.errors.remove({ sync_job, reason });
    for (const reason of TRIGGER_REASONS) metrics.triggers.remove({ sync_job, reason });
    for (const reason of TRIGGER_REJECT_REASONS) metrics.triggersRejected.remove({ sync_job, reason });
    for (const state of RUNNER_STATES) metrics.runnerState.remove({ sync_job, state });
    for (const event of WATCHER_EVENTS) metrics.watcherEvents.remove({ sync_job, event });
    const perJobOnly = [
      metrics.duration,
      metrics.filesCopied,
      metrics.filesUpdated,
      metrics.filesDeleted,
      metrics.filesSkipped,
      metrics.bytesCopied,
      metrics.runnerRestarts,
      metrics.runnerUp,
      metrics.runnerCpu,
      metrics.runnerMemory,
      metrics.watchedFolders,
      metrics.lastSuccess,
      metrics.scheduleInterval,
    ];
    for (const metric of perJobOnly) metric.remove({ sync_job });
    this.jobs.delete(job);
    this.cpuBaselines.delete(job);
    this.runningJobs.delete(job);
    metrics.syncsInProgress.set(this.runningJobs.size);
  }

  /** The job's schedule period (seconds), or none (a manual job): what "no recent success" is measured in. */
  setScheduleInterval(job: string, seconds: number | undefined): void {
    this.addJob(job);
    if (seconds === undefined) this.metrics.scheduleInterval.remove({ sync_job: job });
    else this.metrics.scheduleInterval.set({ sync_job: job }, countable(seconds));
  }

  /** A run of the job began: counted in `syncs_in_progress` until `runFinished`. */
  runStarted(job: string): void {
    this.addJob(job);
    this.runningJobs.add(job);
    this.metrics.syncsInProgress.set(this.runningJobs.size);
  }

  /** A run of the job ended; a dry run wrote nothing: it counts as a run, not in files, bytes or success time. */
  runFinished(job: string, run: FinishedRun): void {
    this.addJob(job);
    const metrics = this.metrics;
    const sync_job = job;
    this.runningJobs.delete(job);
    metrics.syncsInProgress.set(this.runningJobs.size);
    metrics.runs.inc({ sync_job, result: run.outcome });
    metrics.duration.observe({ sync_job }, countable(run.durationSeconds));
    for (const [code, count] of Object.entries(run.errorCounts))
      metrics.errors.inc({ sync_job, reason: errorReason(code) }, countable(count));
    if (run.dryRun) return;
    metrics.filesCopied.inc({ sync_job }, countable(run.stats.copied));
    metrics.filesUpdated.inc({ sync_job }, countable(run.stats.updated));
    metrics.filesDeleted.inc({ sync_job }, countable(run.stats.deleted));
    metrics.filesSkipped.inc({ sync_job }, countable(run.stats.skipped));
    metrics.bytesCopied.inc({ sync_job }, countable(run.stats.bytesCopied));
    if (run.outcome === 'ok') metrics.lastSuccess.set({ sync_job }, run.finishedAtMs / 1000);
  }

  /** A run of the job was asked for and accepted. */
  triggered(job: string, reason: TriggerReason): void {
    this.addJob(job);
    this.metrics.triggers.inc({ sync_job: job, reason });
  }

  /** A run of the job was asked for and refused. */
  triggerRejected(job: string, reason: TriggerRejectReason): void {
    this.addJob(job);
    this.metrics.triggersRejected.inc({ sync_job: job, reason });
  }

  /** Runs now waiting for a sync slot, across all jobs. */
  setQueueDepth(depth: number): void {
    this.metrics.queueDepth.set(countable(depth));
  }

  /** The job's runner process was started again (after a crash, or by `job restart`). */
  runnerRestarted(job: string): void {
    this.addJob(job);
    this.metrics.runnerRestarts.inc({ sync_job: job });
  }

  /** The job's runner entered `state`; `runner_up` and, once the process is gone, its memory follow. */
  setRunnerState(job: string, state: MetricsRunnerState): void {
    this.addJob(job);
    const metrics = this.metrics;
    const sync_job = job;
    for (const each of RUNNER_STATES)
      metrics.runnerState.set({ sync_job, state: each }, each === state ? 1 : 0);
    const alive = RUNNER_ALIVE_STATES.has(state);
    metrics.runnerUp.set({ sync_job }, alive ? 1 : 0);
    if (!alive) metrics.runnerMemory.set({ sync_job }, 0);
  }

  /**
   * A sample of the job's runner (process `pid`): `cpuSeconds` is the process's whole CPU time so far, so the
   * counter grows by what was used since the last sample of the same pid. A new pid is a new process whose CPU
   * time started at 0: all of it is new. What the old process used after its last sample is never seen; the
   * counter undercounts it rather than ever going down.
   */
  setRunnerUsage(job: string, pid: number, usage: RunnerUsage): void {
    this.addJob(job);
    const sync_job = job;
    const baseline = this.cpuBaselines.get(job);
    const counted = baseline?.pid === pid ? baseline.cpuSeconds : 0;
    const cpuSeconds = countable(usage.cpuSeconds);
    this.metrics.runnerCpu.inc({ sync_job }, Math.max(0, cpuSeconds - counted));
    this.cpuBaselines.set(job, { pid, cpuSeconds: Math.max(counted, cpuSeconds) });
    this.metrics.runnerMemory.set({ sync_job }, countable(usage.rssBytes));
  }

  /** The job's watchers reported `count` events of one kind. */
  watcherEvents(job: string, event: WatcherEvent, count = 1): void {
    this.addJob(job);
    this.metrics.watcherEvents.inc({ sync_job: job, event }, countable(count));
  }

  /** Folders the job's watchers now watch. */
  setWatchedFolders(job: string, folders: number): void {
    this.addJob(job);
    this.metrics.watchedFolders.set({ sync_job: job }, countable(folders));
  }

  /** A config reload was applied (`ok`) or refused and the last good config kept (`failed`). */
  configReloaded(result: ConfigReloadResult): void {
    this.metrics.configReloads.inc({ result });
  }

  /** The fleet's uploads (issue 12): records delivered or refused, by collection. */
  fleetUploaded(collection: string, count: number): void {
    this.metrics.fleetUploaded.inc({ collection }, countable(count));
  }

  fleetRejected(collection: string, count: number): void {
    this.metrics.fleetRejected.inc({ collection }, countable(count));
  }

  /** Records waiting in the upload spool now, and records it dropped since the last call. */
  setFleetSpool(pending: number, dropped = 0): void {
    this.metrics.fleetSpooled.set(countable(pending));
    this.metrics.fleetDropped.inc(countable(dropped));
  }

  fleetHeartbeat(atMs: number): void {
    this.metrics.fleetHeartbeat.set(atMs / 1000);
  }
}
