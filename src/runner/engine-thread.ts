import { parentPort } from 'node:worker_threads';
import { describeCrash } from '../engine/failed-result.js';
import { PlanCollector } from '../engine/plan-collector.js';
import { runSync } from '../engine/run-sync.js';
import type { PlanEntry } from '../engine/types.js';
import { describeWorkerFallback, onWorkerFallback } from '../engine/worker-fallback.js';
import type { FromEngineThread, ToEngineThreadNumbered } from './engine-thread-protocol.js';

// The thread a runner runs the engine on (see engine-host.ts): one run at a time, aborted on request.
let abort: AbortController | undefined;
let runId = 0;
const post = (message: FromEngineThread) => parentPort?.postMessage(message);
onWorkerFallback((fallback) =>
  post({ type: 'warning', id: runId, message: describeWorkerFallback(fallback) }),
);

parentPort?.on('message', (message: ToEngineThreadNumbered) => {
  if (message.type === 'abort') {
    abort?.abort();
    return;
  }
  const { id } = message;
  runId = id;
  const controller = new AbortController();
  abort = controller;
  const plan = message.collectPlan ? new PlanCollector() : undefined;
  const entries = message.reportEntries
    ? new EntryBatcher(
        (batch) => post({ type: 'entries', id, entries: batch }),
        message.reportEntries === 'all',
      )
    : undefined;
  const onPlanEntry =
    plan && entries
      ? (entry: PlanEntry) => {
          plan.add(entry);
          entries.add(entry);
        }
      : (plan?.add ?? entries?.add);
  runSync({
    ...message.request,
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', id, progress }),
    ...(onPlanEntry ? { onPlanEntry } : {}),
  })
    .then(
      (result) => {
        entries?.flush();
        post({ type: 'result', id, result, ...(plan ? { plan: plan.changes } : {}) });
      },
      (error: unknown) =>
        post({
          type: 'crash',
          id,
          message: describeCrash(error),
        }),
    )
    // A result that cannot be posted (not cloneable) must still end the run, never die unhandled.
    .catch((error: unknown) => post({ type: 'crash', id, message: describeCrash(error) }));
});

/** A run's decisions, posted in batches: one message per file would cost more than the work it describes. */
class EntryBatcher {
  private batch: PlanEntry[] = [];
  constructor(
    private readonly send: (entries: PlanEntry[]) => void,
    private readonly skips: boolean,
  ) {}

  readonly add = (entry: PlanEntry): void => {
    if (entry.action === 'skip' && !this.skips) return;
    this.batch.push(entry);
    if (this.batch.length >= 256) this.flush();
  };

  flush(): void {
    if (this.batch.length === 0) return;
    this.send(this.batch);
    this.batch = [];
  }
}
