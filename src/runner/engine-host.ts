import { failedResult } from '../engine/failed-result.js';
import { PlanCollector, type PlannedChanges } from '../engine/plan-collector.js';
import { startModuleWorker } from '../engine/start-module-worker.js';
import { ThreadClient, ThreadLostError } from '../engine/thread-client.js';
import type { SyncProgress, SyncResult } from '../engine/types.js';
import type { FromEngineThread, PortableSyncRequest, ToEngineThread } from './engine-thread-protocol.js';

/** A runner idle this long ends its engine thread; the next run starts a fresh one (~150 ms). */
const RELEASE_AFTER_MS = 5000;

export interface EngineRun {
  signal: AbortSignal;
  onProgress: (progress: SyncProgress) => void;
  /** A dry run's planned changes are wanted back. */
  collectPlan: boolean;
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
  private readonly thread = new ThreadClient<ToEngineThread, FromEngineThread>({
    name: 'engine',
    // No heap limits of its own: a run over a huge tree needs what the process would give it.
    start: () => startModuleWorker('engine-thread', import.meta.url, {}),
    afterLoss: 'restart',
    isAnswer: (message) => message.type !== 'progress',
  });
  private releaseTimer: NodeJS.Timeout | undefined;

  async run(request: PortableSyncRequest, run: EngineRun): Promise<EngineOutcome> {
    clearTimeout(this.releaseTimer);
    // Threads unavailable: the engine runs on the main thread instead.
    if (!this.thread.tryStart()) return runInline(request, run);
    try {
      return await this.runOnThread(request, run);
    } finally {
      this.scheduleRelease();
    }
  }

  private async runOnThread(
    request: PortableSyncRequest,
    { signal, onProgress, collectPlan }: EngineRun,
  ): Promise<EngineOutcome> {
    const onAbort = () => this.thread.post({ type: 'abort' });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const answer = this.thread.request({ type: 'run', request, collectPlan }, (note) => {
        if (note.type === 'progress') onProgress(note.progress);
      });
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
    this.releaseTimer = setTimeout(() => this.thread.release(), RELEASE_AFTER_MS);
    this.releaseTimer.unref();
  }
}

async function runInline(request: PortableSyncRequest, run: EngineRun): Promise<EngineOutcome> {
  const { runSync } = await import('../engine/run-sync.js');
  const plan = run.collectPlan ? new PlanCollector() : undefined;
  const result = await runSync({
    ...request,
    signal: run.signal,
    onProgress: run.onProgress,
    ...(plan ? { onPlanEntry: plan.add } : {}),
  });
  return { result, ...(plan ? { plan: plan.changes } : {}) };
}
