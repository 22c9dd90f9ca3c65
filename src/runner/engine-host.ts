import type { Worker } from 'node:worker_threads';
import { failedResult } from '../engine/failed-result.js';
import { PlanCollector, type PlannedChanges } from '../engine/plan-collector.js';
import { startModuleWorker } from '../engine/start-module-worker.js';
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
 * scheduled run stays near a bare Node process. A thread that dies mid-run fails that run, not the runner.
 */
export class EngineHost {
  private worker: Worker | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;

  async run(request: PortableSyncRequest, run: EngineRun): Promise<EngineOutcome> {
    clearTimeout(this.releaseTimer);
    let worker: Worker;
    try {
      this.worker ??= this.startThread();
      worker = this.worker;
    } catch {
      // Threads unavailable: the engine runs on the main thread instead.
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
    try {
      return await runOn(worker, request, run);
    } finally {
      this.scheduleRelease();
    }
  }

  private startThread(): Worker {
    // No heap limits of its own: a run over a huge tree needs what the process would give it.
    const worker = startModuleWorker('engine-thread', import.meta.url, {});
    // An uncaught error is followed by 'exit', where the run fails; a dead thread is replaced next run.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    return worker;
  }

  private scheduleRelease(): void {
    this.releaseTimer = setTimeout(() => {
      const worker = this.worker;
      this.worker = undefined;
      void worker?.terminate();
    }, RELEASE_AFTER_MS);
    this.releaseTimer.unref();
  }
}

function runOn(
  worker: Worker,
  request: PortableSyncRequest,
  { signal, onProgress, collectPlan }: EngineRun,
): Promise<EngineOutcome> {
  return new Promise((resolve) => {
    const onAbort = () => worker.postMessage({ type: 'abort' });
    const onMessage = (message: FromEngineThread) => {
      if (message.type === 'progress') onProgress(message.progress);
      else if (message.type === 'result')
        settle({ result: message.result, ...(message.plan ? { plan: message.plan } : {}) });
      else settle({ result: failedResult('ENGINE_CRASH', message.message) });
    };
    const onExit = (code: number) =>
      settle({ result: failedResult('ENGINE_CRASH', `the engine thread exited with code ${code}`) });
    const settle = (outcome: EngineOutcome) => {
      signal.removeEventListener('abort', onAbort);
      worker.off('message', onMessage).off('exit', onExit);
      resolve(outcome);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', onMessage).on('exit', onExit);
    worker.postMessage({ type: 'run', request, collectPlan } satisfies ToEngineThread);
    if (signal.aborted) onAbort();
  });
}
