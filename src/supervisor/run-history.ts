import type Logger from 'bunyan';
import type { CurrentRun, RunSummary } from '../control/daemon-api.js';
import { omittedErrors } from '../engine/omitted-errors.js';
import type { PlannedChanges } from '../engine/plan-collector.js';

export type RunResult = Pick<RunSummary, 'outcome' | 'stats' | 'errors' | 'warnings'> & {
  /** Errors the runner already left out of `errors`. */
  errorsOmitted?: number;
  /** Every error of the run counted by code (a runner's result; else `errors` are all there is). */
  errorCounts?: Record<string, number>;
  /** A dry run's planned changes: kept for `sync --dry-run --wait`, never shown in status. */
  plan?: PlannedChanges;
};

const RUNS_KEPT = 500;
const ERRORS_KEPT_PER_RUN = 20;

/**
 * The summaries of recent runs, by run id, so `sync --wait` can fetch a result after the run ended. A dry run's
 * plan (up to 10,000 entries) is kept only for the latest dry run of each job: a dry-run job on a short interval
 * would otherwise hold 500 plans.
 */
export class RunHistory {
  private readonly runs = new Map<string, { jobId: string; summary: RunSummary }>();
  private readonly latestPlans = new Map<string, { runId: string; plan: PlannedChanges }>();
  private readonly waiters = new Map<string, Set<() => void>>();

  /**
   * Resolves once the run is recorded, or after `timeoutMs` (whichever comes first): `sync --wait` asks again
   * only then, so it learns of the end at once instead of at its next poll. The timer never keeps the daemon up.
   */
  whenRecorded(runId: string, timeoutMs: number): Promise<void> {
    if (this.runs.has(runId)) return Promise.resolve();
    return new Promise((resolve) => {
      let waiting = this.waiters.get(runId);
      if (!waiting) {
        waiting = new Set();
        this.waiters.set(runId, waiting);
      }
      const done = () => {
        clearTimeout(timer);
        const set = this.waiters.get(runId);
        set?.delete(done);
        if (set?.size === 0) this.waiters.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      waiting.add(done);
    });
  }

  record(jobId: string, run: CurrentRun & { startedAtMs: number }, result: RunResult): RunSummary {
    const finishedAt = Date.now();
    const summary: RunSummary = {
      runId: run.runId,
      reasons: run.reasons,
      dryRun: run.dryRun,
      outcome: result.outcome,
      startedAt: run.startedAt,
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - run.startedAtMs,
      stats: result.stats,
      // Status stays small however many files failed; the counts are complete in `stats`.
      errors: result.errors.slice(0, ERRORS_KEPT_PER_RUN),
      errorsOmitted: omittedErrors(result.stats, Math.min(result.errors.length, ERRORS_KEPT_PER_RUN)),
      warnings: result.warnings.slice(0, ERRORS_KEPT_PER_RUN),
    };
    this.runs.set(run.runId, { jobId, summary });
    for (const done of this.waiters.get(run.runId) ?? []) done();
    if (result.plan) this.latestPlans.set(jobId, { runId: run.runId, plan: result.plan });
    if (this.runs.size > RUNS_KEPT) {
      const [oldest, { jobId: oldestJob }] = this.runs.entries().next().value as [string, { jobId: string }];
      this.runs.delete(oldest);
      // A removed job's last plan goes with its run.
      if (this.latestPlans.get(oldestJob)?.runId === oldest) this.latestPlans.delete(oldestJob);
    }
    return summary;
  }

  get(runId: string): { summary: RunSummary; plan?: PlannedChanges } | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const latest = this.latestPlans.get(run.jobId);
    return latest?.runId === runId ? { summary: run.summary, plan: latest.plan } : { summary: run.summary };
  }

  /** Plan entries held across every job (for tests and the bench: bounded by jobs × 10,000). */
  get plannedEntries(): number {
    let count = 0;
    for (const { plan } of this.latestPlans.values()) count += plan.entries.length;
    return count;
  }
}

/** One line per finished run: its outcome and counts, at warn level unless it was ok. */
export function logRunEnd(logger: Logger, jobId: string, run: RunSummary): void {
  const { stats } = run;
  logger[run.outcome === 'ok' ? 'info' : 'warn'](
    {
      job: jobId,
      runId: run.runId,
      outcome: run.outcome,
      durationMs: run.durationMs,
      copied: stats.copied,
      updated: stats.updated,
      deleted: stats.deleted,
      errors: stats.errors,
      ...(run.outcome === 'ok' ? {} : { firstError: run.errors[0] }),
    },
    `sync ${run.outcome}`,
  );
}
