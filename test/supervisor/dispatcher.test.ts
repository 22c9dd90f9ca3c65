import { expect } from 'chai';
import { Dispatcher, type PlannedRun } from '../../src/supervisor/dispatcher.js';

describe('Dispatcher', () => {
  let started: PlannedRun[];
  let idle: Set<string>;
  let dispatcher: Dispatcher;

  function make(maxConcurrentSyncs: number, queueSize = 1000): Dispatcher {
    let counter = 0;
    return new Dispatcher({
      maxConcurrentSyncs,
      queueSize,
      newRunId: () => `run-${++counter}`,
      startRun: (run) => {
        if (!idle.has(run.jobId)) return false;
        started.push(run);
        return true;
      },
    });
  }

  beforeEach(() => {
    started = [];
    idle = new Set(Array.from({ length: 8 }, (_, index) => `job-${index}`));
    dispatcher = make(2);
  });

  it('never runs more than max_concurrent_syncs at once, across jobs', () => {
    for (let index = 0; index < 8; index++) dispatcher.trigger(`job-${index}`, { reason: 'schedule' });
    expect(started.map((run) => run.jobId)).to.deep.equal(['job-0', 'job-1']);
    expect(dispatcher.queued).to.equal(6);
    dispatcher.finished('job-0');
    expect(started.map((run) => run.jobId)).to.deep.equal(['job-0', 'job-1', 'job-2']);
    expect(dispatcher.runningCount).to.equal(2);
  });

  it('turns 1,000 triggers during a run into exactly one run after it', () => {
    dispatcher.trigger('job-0', { reason: 'schedule' });
    const outcomes = new Set<string>();
    for (let index = 0; index < 1000; index++) {
      outcomes.add(dispatcher.trigger('job-0', { reason: 'watch', paths: [`file-${index % 10}`] }));
    }
    expect([...outcomes]).to.deep.equal(['pending', 'merged']);
    expect(started).to.have.length(1);
    dispatcher.finished('job-0');
    expect(started).to.have.length(2);
    expect(started[1]?.paths).to.deep.equal(
      new Set(Array.from({ length: 10 }, (_, index) => `file-${index}`)),
    );
    dispatcher.finished('job-0');
    expect(started, 'nothing more was waiting').to.have.length(2);
  });

  it('merges triggers into a queued run: paths united, a full run covering all', () => {
    dispatcher = make(0);
    dispatcher.trigger('job-0', { reason: 'watch', paths: ['a'] });
    expect(dispatcher.trigger('job-0', { reason: 'watch', paths: ['b'] })).to.equal('merged');
    expect(dispatcher.waitingRun('job-0')?.paths).to.deep.equal(new Set(['a', 'b']));
    dispatcher.trigger('job-0', { reason: 'schedule' });
    const waiting = dispatcher.waitingRun('job-0');
    expect(waiting?.paths).to.equal(undefined);
    expect(waiting?.reasons).to.deep.equal(new Set(['watch', 'schedule']));
  });

  it('rejects a trigger when the queue is full', () => {
    dispatcher = make(0, 3);
    for (let index = 0; index < 3; index++)
      expect(dispatcher.trigger(`job-${index}`, { reason: 'manual' })).to.equal('queued');
    expect(dispatcher.trigger('job-3', { reason: 'manual' })).to.equal('rejected');
    expect(dispatcher.trigger('job-0', { reason: 'manual' }), 'merging needs no room').to.equal('merged');
  });

  it('keeps a run queued while its runner is not idle, and starts it when pumped', () => {
    idle.delete('job-0');
    dispatcher.trigger('job-0', { reason: 'manual' });
    dispatcher.trigger('job-1', { reason: 'manual' });
    expect(started.map((run) => run.jobId)).to.deep.equal(['job-1']);
    idle.add('job-0');
    dispatcher.pump();
    expect(started.map((run) => run.jobId)).to.deep.equal(['job-1', 'job-0']);
  });

  it('never merges a dry run with a real one: a job holds one waiting run of each kind', () => {
    dispatcher = make(0);
    dispatcher.trigger('job-0', { reason: 'manual', dryRun: true });
    expect(
      dispatcher.trigger('job-0', { reason: 'schedule' }),
      'a waiting dry run refuses no real trigger',
    ).to.equal('queued');
    expect(dispatcher.trigger('job-0', { reason: 'watch', paths: ['a'] })).to.equal('merged');
    expect(dispatcher.trigger('job-0', { reason: 'manual', dryRun: true })).to.equal('merged');
    expect(dispatcher.waitingRun('job-0', true)?.reasons).to.deep.equal(new Set(['manual']));
    expect(dispatcher.waitingRun('job-0', false)?.reasons).to.deep.equal(new Set(['schedule', 'watch']));
    expect(dispatcher.waitingRuns('job-0')).to.have.length(2);
  });

  it('merges into a job’s waiting run, of either kind, even when the queue is full: one place per job', () => {
    dispatcher = make(0, 2);
    expect(dispatcher.trigger('job-0', { reason: 'manual', dryRun: true })).to.equal('queued');
    expect(dispatcher.trigger('job-1', { reason: 'schedule' })).to.equal('queued');
    expect(dispatcher.trigger('job-2', { reason: 'schedule' }), 'the queue is full').to.equal('rejected');
    expect(dispatcher.trigger('job-0', { reason: 'schedule' }), 'job-0 already has its place').to.equal(
      'queued',
    );
    expect(dispatcher.trigger('job-0', { reason: 'watch' })).to.equal('merged');
    expect(dispatcher.trigger('job-1', { reason: 'manual', dryRun: true })).to.equal('queued');
    expect(dispatcher.queued, 'places taken: one per job').to.equal(2);
  });

  it('runs a job’s waiting real and dry runs one after the other, in the order asked', () => {
    dispatcher = make(2);
    dispatcher.trigger('job-0', { reason: 'manual' });
    dispatcher.trigger('job-0', { reason: 'manual', dryRun: true });
    expect(dispatcher.trigger('job-0', { reason: 'schedule' }), 'the run after the current one').to.equal(
      'pending',
    );
    expect(started.map((run) => run.dryRun)).to.deep.equal([false]);
    dispatcher.finished('job-0');
    expect(started.map((run) => run.dryRun)).to.deep.equal([false, true]);
    dispatcher.finished('job-0');
    expect(started.map((run) => run.dryRun)).to.deep.equal([false, true, false]);
  });

  it('drops a cancelled job’s waiting run', () => {
    dispatcher = make(0);
    dispatcher.trigger('job-0', { reason: 'manual' });
    dispatcher.cancel('job-0');
    expect(dispatcher.queued).to.equal(0);
  });
});
