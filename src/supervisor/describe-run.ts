import type { RunReply } from '../control/daemon-api.js';
import type { PlannedRun } from './dispatcher.js';
import type { JobSlot } from './job-slot.js';
import type { RunHistory } from './run-history.js';

/** Where run `runId` of a job stands now: waiting, running (with its progress), done (its summary), or unknown. */
export function describeRun(
  slot: JobSlot,
  runId: string,
  waiting: readonly PlannedRun[],
  history: RunHistory,
): RunReply {
  const job = slot.job.id;
  if (waiting.some((run) => run.runId === runId)) return { state: 'queued', job, runId };
  if (slot.current?.runId === runId)
    return {
      state: 'syncing',
      job,
      runId,
      ...(slot.current.progress ? { progress: slot.current.progress } : {}),
    };
  const done = history.get(runId);
  if (done)
    return { state: 'done', job, runId, run: done.summary, ...(done.plan ? { plan: done.plan } : {}) };
  return { state: 'unknown', job, runId };
}
