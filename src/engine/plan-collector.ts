import type { PlanEntry } from './types.js';

/** The planned changes of a dry run, as reported beyond the process: the first entries, and how many more. */
export interface PlannedChanges {
  entries: PlanEntry[];
  omitted: number;
}

// Enough for a person to read; a dry run over a whole new tree would otherwise send every file name over IPC.
const PLAN_ENTRIES_KEPT = 10_000;

/** Collects a dry run's changes (skips left out), bounded. */
export class PlanCollector {
  readonly changes: PlannedChanges = { entries: [], omitted: 0 };

  readonly add = (entry: PlanEntry): void => {
    if (entry.action === 'skip') return;
    if (this.changes.entries.length < PLAN_ENTRIES_KEPT) this.changes.entries.push(entry);
    else this.changes.omitted++;
  };
}
