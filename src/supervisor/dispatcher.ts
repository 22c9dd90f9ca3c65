/** Why a run was asked for; kept per run so status and logs can say it. */
export type TriggerReason = 'schedule' | 'manual' | 'watch' | 'startup' | 'retry';

export interface Trigger {
  reason: TriggerReason;
  /** Changed paths (relative to the source); absent: the whole tree. */
  paths?: readonly string[];
  dryRun?: boolean;
}

/** A run waiting for its turn; triggers that arrive meanwhile merge into it. */
export interface PlannedRun {
  runId: string;
  jobId: string;
  reasons: Set<TriggerReason>;
  /** undefined: a full run; else the union of the changed paths. */
  paths: Set<string> | undefined;
  dryRun: boolean;
}

export type TriggerOutcome = 'queued' | 'merged' | 'pending' | 'rejected';

export interface DispatcherOptions {
  maxConcurrentSyncs: number;
  queueSize: number;
  /** Starts a run on the job's runner; false when it cannot start now (runner not idle): it stays queued. */
  startRun: (run: PlannedRun) => boolean;
  newRunId?: () => string;
}

/**
 * The one place that decides when runs start (DESIGN.md, "Triggers"): a bounded queue, at most one waiting run
 * per job into which later triggers merge, a trigger during a run kept as the run after it (so no change made
 * during a run is lost), and at most `maxConcurrentSyncs` runs across the daemon.
 *
 * A dry run and a real run answer different questions and never merge, so a job may hold one waiting run of each
 * kind; they start one after the other in the order they were asked for. The queue's places are counted per job:
 * a trigger for a job that already waits never needs a new place, so it is never refused for a full queue.
 */
export class Dispatcher {
  private readonly queue: PlannedRun[] = [];
  private readonly running = new Map<string, string>();
  private nextRun = 0;

  constructor(private readonly options: DispatcherOptions) {}

  /** A reload may change the limits; runs already started keep their slots. */
  setLimits(limits: Pick<DispatcherOptions, 'maxConcurrentSyncs' | 'queueSize'>): void {
    this.options.maxConcurrentSyncs = limits.maxConcurrentSyncs;
    this.options.queueSize = limits.queueSize;
    this.pump();
  }

  trigger(jobId: string, trigger: Trigger): TriggerOutcome {
    const waiting = this.waitingRun(jobId, trigger.dryRun === true);
    if (waiting) {
      merge(waiting, trigger);
      return 'merged';
    }
    if (!this.waitingRun(jobId) && this.queued >= this.options.queueSize) return 'rejected';
    this.queue.push(this.plan(jobId, trigger));
    if (this.running.has(jobId)) return 'pending';
    this.pump();
    return 'queued';
  }

  /** A run ended (or was lost with its runner): its slot frees and the job's waiting run may start. */
  finished(jobId: string): void {
    this.running.delete(jobId);
    this.pump();
  }

  /** Runs again what could not start before (a runner became idle). */
  pump(): void {
    for (let index = 0; index < this.queue.length && this.running.size < this.options.maxConcurrentSyncs; ) {
      const run = this.queue[index] as PlannedRun;
      if (this.running.has(run.jobId) || !this.options.startRun(run)) {
        index++;
        continue;
      }
      this.queue.splice(index, 1);
      this.running.set(run.jobId, run.runId);
    }
  }

  /** Drops a job's waiting runs (job paused, removed or stopped). */
  cancel(jobId: string): void {
    for (let index = this.queue.length - 1; index >= 0; index--)
      if (this.queue[index]?.jobId === jobId) this.queue.splice(index, 1);
  }

  runningRunId(jobId: string): string | undefined {
    return this.running.get(jobId);
  }

  /** The job's waiting run of that kind (`dryRun` given), or the first of its waiting runs. */
  waitingRun(jobId: string, dryRun?: boolean): PlannedRun | undefined {
    return this.queue.find((run) => run.jobId === jobId && (dryRun === undefined || run.dryRun === dryRun));
  }

  waitingRuns(jobId: string): PlannedRun[] {
    return this.queue.filter((run) => run.jobId === jobId);
  }

  /** Places taken in the queue: jobs with a waiting run (a job's real and dry waiting runs share one). */
  get queued(): number {
    return new Set(this.queue.map((run) => run.jobId)).size;
  }

  get runningCount(): number {
    return this.running.size;
  }

  private plan(jobId: string, trigger: Trigger): PlannedRun {
    return {
      runId:
        this.options.newRunId?.() ?? `${jobId}-${Date.now().toString(36)}-${(this.nextRun++).toString(36)}`,
      jobId,
      reasons: new Set([trigger.reason]),
      paths: trigger.paths ? new Set(trigger.paths) : undefined,
      dryRun: trigger.dryRun === true,
    };
  }
}

function merge(run: PlannedRun, trigger: Trigger): void {
  run.reasons.add(trigger.reason);
  // A full run covers every path; paths only ever widen.
  if (!trigger.paths) run.paths = undefined;
  else if (run.paths) for (const path of trigger.paths) run.paths.add(path);
}
