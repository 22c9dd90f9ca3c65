import type { PlannedChanges } from '../engine/plan-collector.js';
import type { PlanEntry, SyncProgress, SyncRequest, SyncResult } from '../engine/types.js';

// Between a runner's main thread and its engine thread: one process, one build, so types suffice here (the
// process boundary, runner ⇄ supervisor, is checked at runtime in src/ipc/).

/** A sync request without what cannot cross threads (signal and callbacks travel as messages). */
export type PortableSyncRequest = Omit<SyncRequest, 'signal' | 'onProgress' | 'onPlanEntry'>;

/**
 * `collectPlan`: a dry run whose planned changes are wanted back with its result. `reportEntries`: the decisions
 * sent back as the run goes, in batches (the runner logs one record per file): those that act, or all of them
 * (the files left as they were too, at trace).
 */
export type ToEngineThread =
  | { type: 'run'; request: PortableSyncRequest; collectPlan: boolean; reportEntries?: 'actions' | 'all' }
  | { type: 'abort' };

/** As the thread receives them: the thread client numbers each run it sends (thread-client.ts). */
export type ToEngineThreadNumbered =
  | (Extract<ToEngineThread, { type: 'run' }> & { id: number })
  | { type: 'abort' };

/** `id`: the run's, as the thread client numbered its request (thread-client.ts). */
export type FromEngineThread =
  | { type: 'progress'; id: number; progress: SyncProgress }
  | { type: 'entries'; id: number; entries: PlanEntry[] }
  | { type: 'result'; id: number; result: SyncResult; plan?: PlannedChanges }
  | { type: 'crash'; id: number; message: string }
  /** Something the runner's log should say (a helper thread fell back to in-line work). */
  | { type: 'warning'; id: number; message: string };
