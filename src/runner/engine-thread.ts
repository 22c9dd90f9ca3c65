import { parentPort } from 'node:worker_threads';
import { describeCrash } from '../engine/failed-result.js';
import { PlanCollector } from '../engine/plan-collector.js';
import { runSync } from '../engine/run-sync.js';
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
  runSync({
    ...message.request,
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', id, progress }),
    ...(plan ? { onPlanEntry: plan.add } : {}),
  })
    .then(
      (result) => post({ type: 'result', id, result, ...(plan ? { plan: plan.changes } : {}) }),
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
