import bunyan from 'bunyan';
import { expect } from 'chai';
import { syncJobSection } from '../../src/config/schema.js';
import { failedResult } from '../../src/engine/failed-result.js';
import { JobRuns } from '../../src/supervisor/job-runs.js';
import { type JobSlot, newJobSlot } from '../../src/supervisor/job-slot.js';
import type { JobSlots } from '../../src/supervisor/job-slots.js';
import type { RunnerHandle } from '../../src/supervisor/runner-handle.js';
import { SupervisorMetrics } from '../../src/supervisor/supervisor-metrics.js';

describe('JobRuns: runs run again', () => {
  function setUp(paths?: Set<string>) {
    const slot = newJobSlot(
      syncJobSection.parse({ id: 'docs', source_path: '/s', destination_path: '/d' }),
      '',
    );
    // A runner that takes every run; the slot's job is current.
    slot.runner = { sync: () => true } as unknown as RunnerHandle;
    const retried: string[] = [];
    const runs = new JobRuns({
      slots: { get: () => slot, isCurrent: () => true, all: () => [slot] } as unknown as JobSlots,
      logger: bunyan.createLogger({ name: 'test', streams: [] }),
      finished: () => undefined,
      retry: (retriedSlot: JobSlot) => retried.push(retriedSlot.job.id),
      metrics: new SupervisorMetrics(undefined),
    });
    runs.start({
      runId: 'r1',
      jobId: 'docs',
      reasons: new Set([paths ? 'watch' : 'manual']),
      paths,
      dryRun: false,
    });
    return { slot, runs, retried };
  }

  it('runs a run interrupted for a new runner again once, even when its runner dies while stopping', () => {
    const { slot, runs, retried } = setUp();
    slot.interruptedRunId = 'r1';

    runs.lost(slot, 'r1');

    expect(retried).to.deep.equal(['docs']);
    expect(slot.interruptedRunId).to.equal(undefined);
  });

  it('runs a run lost with its runner again, and not a paused job’s', () => {
    const lost = setUp();
    lost.runs.lost(lost.slot, 'r1');
    expect(lost.retried).to.deep.equal(['docs']);

    const paused = setUp();
    paused.slot.paused = true;
    paused.runs.lost(paused.slot, 'r1');
    expect(paused.retried).to.deep.equal([]);
  });

  it('runs a run of watched changes again in full when it did not end ok, and only then', () => {
    const failed = setUp(new Set(['a.txt']));
    failed.runs.finish(failed.slot, 'r1', failedResult('LOCK_BUSY', 'the destination is locked'));
    expect(failed.retried).to.deep.equal(['docs']);

    const ok = setUp(new Set(['a.txt']));
    ok.runs.finish(ok.slot, 'r1', { ...failedResult('X', 'x'), outcome: 'ok', errors: [] });
    expect(ok.retried).to.deep.equal([]);

    // A full run that fails is not run again by itself.
    const full = setUp();
    full.runs.finish(full.slot, 'r1', failedResult('LOCK_BUSY', 'the destination is locked'));
    expect(full.retried).to.deep.equal([]);
  });
});
