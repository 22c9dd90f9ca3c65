import { expect } from 'chai';
import type { PlannedChanges } from '../../src/engine/plan-collector.js';
import { emptySyncStats } from '../../src/engine/sync-progress-tracker.js';
import { RunHistory } from '../../src/supervisor/run-history.js';

describe('RunHistory', () => {
  function dryRun(history: RunHistory, jobId: string, runId: string, entries: number) {
    const plan: PlannedChanges = {
      entries: Array.from({ length: entries }, (_, index) => ({
        path: `file-${index}`,
        action: 'copy' as const,
        kind: 'file' as const,
        reason: 'missing in destination',
      })),
      omitted: 0,
    };
    history.record(
      jobId,
      {
        runId,
        reasons: ['schedule'],
        dryRun: true,
        startedAt: new Date().toISOString(),
        startedAtMs: Date.now(),
      },
      { outcome: 'ok', stats: emptySyncStats(), errors: [], warnings: [], plan },
    );
  }

  it('keeps the plan of the latest dry run of each job only, and every summary', () => {
    const history = new RunHistory();
    for (let index = 0; index < 50; index++) dryRun(history, 'a', `a-${index}`, 1000);
    dryRun(history, 'b', 'b-0', 10);
    expect(history.get('a-49')?.plan?.entries).to.have.length(1000);
    expect(history.get('b-0')?.plan?.entries).to.have.length(10);
    const kept = Array.from({ length: 49 }, (_, index) => history.get(`a-${index}`));
    expect(
      kept.every((run) => run?.summary !== undefined),
      'summaries stay',
    ).to.be.true;
    expect(
      kept.filter((run) => run?.plan !== undefined),
      'earlier plans are dropped',
    ).to.have.length(0);
    expect(history.plannedEntries).to.equal(1010);
  });
});
