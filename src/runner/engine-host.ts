import type { Worker } from 'node:worker_threads';
import { failedResult } from '../engine/failed-result.js';
import { PlanCollector, type PlannedChanges } from '../engine/plan-collector.js';
import { startModuleWorker } from '../engine/start-module-worker.js';
import { ThreadClient, ThreadLostError } from '../engine/thread-client.js';
import type { PlanEntry, SyncProgress, SyncResult } from '../engine/types.js';
import { describeThreadError, describeWorkerFallback, onWorkerFallback } from '../engine/worker-fallback.js';
import type { FromEngineThread, PortableSyncRequest, ToEngineThread } from './engine-thread-protocol.js';

/** A runner idle this long ends its engine thread; the next run starts a fresh one (~150 ms). */
const RELEASE_AFTER_MS = 5000;

export interface EngineRun {
  signal: AbortSignal;
  onProgress: (progress: SyncProgress) => void;
  /** For the runner's log: a thread that failed and whose work now runs in-line. */
  onWarning: (message: string) => void;
  /** A dry run's planned changes are wanted back. */
  collectPlan: boolean;
  /** Each decision of the run that acts, as it is made, in batches (a record per file at debug)… */
  onEntries?: ((entries: PlanEntry[]) => void) | undefined;
  /** …and those that leave a file as it was (at trace). */
  entrySkips?: boolean;
  /**
   * Run on this thread: an incremental run of a few changed paths takes milliseconds, less than starting the
   * engine's thread again (~150 ms) once it has been released.
   */
  inline?: boolean;
}

export interface EngineOutcome {
  result: SyncResult;
  plan?: PlannedChanges;
}

/**
 * Runs the engine on a thread of its own, ended once the runner has been idle a few seconds: the engine's code,
 * heap and helper threads (~20–40 MB after a run, measured) go with it, so a runner waiting for its next
 * scheduled run stays near a bare Node process. One run at a time (the runner never asks for two). A thread
 * that dies mid-run fails that run, not the runner; the next run starts a new one.
 */
export class EngineHost {
  private readonly thread: ThreadClient<ToEngineThread, FromEngineThread>;
  private releaseTimer: NodeJS.Timeout | undefined;
  private warn: (message: string) => void = () => undefined;
  /** The thread (ThreadClient.generation) that ran the last run: any other is cold. */
  private ranOn: number | undefined;

  /** `startEngineThread`: the real engine thread, or in tests a stand-in. */
  constructor(
    // No heap limits of its own: a run over a huge tree needs what the process would give it.
    startEngineThread: () => Worker = () => startModuleWorker('engine-thread', import.meta.url, {}),
    private readonly releaseAfterMs = RELEASE_AFTER_MS,
  ) {
    this.thread = new ThreadClient({
      name: 'engine',
      start: startEngineThread,
      afterLoss: 'restart',
      isAnswer: (message) => message.type === 'result' || message.type === 'crash',
      // A thread that cannot start leaves the run to this one; one that dies fails its run (ENGINE_CRASH).
      onFallback: (error) => {
        if (error.code === 'THREAD_UNAVAILABLE')
          this.warn(describeWorkerFallback({ work: 'the engine', reason: describeThreadError(error) }));
      },
    });
  }

  async run(request: PortableSyncRequest, run: EngineRun): Promise<EngineOutcome> {
    // An in-line run leaves the thread's release as it was: an idle thread must not outlive it.
    if (run.inline) return runInline(request, run);
    clearTimeout(this.releaseTimer);
    this.warn = run.onWarning;
    // Threads unavailable: the engine runs on the main thread instead.
    if (!this.thread.tryStart()) return runInline(request, run);
    // A cold thread means cold listing threads too: starting them costs more than they save on one run (as for
    // the one-shot CLI), so its first run lists in-line.
    const cold = this.ranOn !== this.thread.generation;
    this.ranOn = this.thread.generation;
    try {
      return await this.runOnThread(cold ? { ...request, listInline: true } : request, run);
    } finally {
      this.scheduleRelease();
    }
  }

  /**
   * Starts the engine's thread ahead of a run known to come (a watched job's start-up sync, asked for once its
   * watch is set up): the thread loads the engine while the watch crawls the tree, on another core. (Its listing
   * threads are not started too: measured, on 2 cores they slowed that run by ~35 ms.) Released like any idle
   * thread.
   */
  warmUp(): void {
    if (this.thread.started || !this.thread.tryStart()) return;
    clearTimeout(this.releaseTimer);
    this.scheduleRelease();
  }

  private async runOnThread(
    request: PortableSyncRequest,
    { signal, onProgress, onWarning, collectPlan, onEntries, entrySkips }: EngineRun,
  ): Promise<EngineOutcome> {
    const onAbort = () => this.thread.post({ type: 'abort' });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const answer = this.thread.request(
        {
          type: 'run',
          request,
          collectPlan,
          ...(onEntries ? { reportEntries: entrySkips ? ('all' as const) : ('actions' as const) } : {}),
        },
        (note) => {
          if (note.type === 'progress') onProgress(note.progress);
          else if (note.type === 'warning') onWarning(note.message);
          else if (note.type === 'entries') onEntries?.(note.entries);
        },
      );
      if (signal.aborted) onAbort();
      const message = await answer;
      if (message.type === 'result')
        return { result: message.result, ...(message.plan ? { plan: message.plan } : {}) };
      return { result: failedResult('ENGINE_CRASH', message.type === 'crash' ? message.message : '') };
    } catch (error) {
      if (!(error instanceof ThreadLostError)) throw error;
      return { result: failedResult('ENGINE_CRASH', error.message) };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private scheduleRelease(): void {
    this.releaseTimer = setTimeout(() => this.thread.release(), this.releaseAfterMs);
    this.releaseTimer.unref();
  }
}

async function runInline(request: PortableSyncRequest, run: EngineRun): Promise<EngineOutcome> {
  const { runSync } = await import('../engine/run-sync.js');
  // The engine's own helper threads, failing here too, say so the same way.
  onWorkerFallback((fallback) => run.onWarning(describeWorkerFallback(fallback)));
  const plan = run.collectPlan ? new PlanCollector() : undefined;
  const { onEntries } = run;
  const onPlanEntry =
    plan || onEntries
      ? (entry: PlanEntry) => {
          plan?.add(entry);
          if (entry.action !== 'skip' || run.entrySkips) onEntries?.([entry]);
        }
      : undefined;
  const result = await runSync({
    ...request,
    signal: run.signal,
    onProgress: run.onProgress,
    ...(onPlanEntry ? { onPlanEntry } : {}),
  });
  return { result, ...(plan ? { plan: plan.changes } : {}) };
}
