import { expect } from 'chai';
import type { Supervisor } from '../../src/supervisor/supervisor.js';
import { SupervisorError } from '../../src/supervisor/supervisor-error.js';
import { forkFixtureRunner, startTestSupervisor, writeDaemonConfig } from '../helpers/daemon.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

describe('Supervisor triggers', function () {
  this.slow(3000);
  let supervisor: Supervisor | undefined;
  const records: { level: number; msg: string; job?: string }[] = [];

  afterEach(async () => {
    await supervisor?.shutdown();
    supervisor = undefined;
    records.length = 0;
    await removeTempDirs();
  });

  async function startSupervisor(jobs: string, concurrency: string): Promise<Supervisor> {
    const dir = await makeTempDir();
    await writeDaemonConfig(
      dir,
      ['a', 'b', 'c'].map((id) => ({ id, ...(id === 'c' ? { extra: jobs } : {}) })),
      { concurrency, daemon: 'stop_timeout_secs = 1' },
    );
    // Runners that accept a sync and never finish it: each run stays running as long as the test needs.
    const started = await startTestSupervisor(dir, () => forkFixtureRunner('hanging-runner.mjs'), records);
    supervisor = started;
    await waitFor(
      () => started.status().jobs.every((job) => job.state === 'idle' || job.state === 'disabled'),
      {
        what: 'the runners to be ready',
      },
    );
    return started;
  }

  function refusal(action: () => unknown): string | undefined {
    try {
      action();
    } catch (error) {
      if (error instanceof SupervisorError) return error.code;
      throw error;
    }
    return undefined;
  }

  it('rejects a trigger when the queue is full, with a warning and a counted rejection', async () => {
    const running = await startSupervisor('', 'max_concurrent_syncs = 1\nsync_queue_size = 1');
    expect(running.trigger('a', { reason: 'manual' }).outcome).to.equal('queued');
    expect(running.status().jobs[0]?.state).to.equal('syncing');
    expect(running.trigger('b', { reason: 'manual' }).outcome).to.equal('queued');
    expect(running.status().jobs[1]?.state).to.equal('queued');
    expect(refusal(() => running.trigger('c', { reason: 'manual' }))).to.equal('QUEUE_FULL');
    expect(running.status().jobs[2]?.rejectedTriggers).to.equal(1);
    expect(
      records.some((record) => record.msg === 'sync queue full: trigger rejected' && record.level === 40),
    ).to.be.true;
    // A trigger for the waiting job still merges: the queue holds runs, not triggers.
    expect(running.trigger('b', { reason: 'manual' }).outcome).to.equal('merged');
  });

  it('refuses unknown, disabled and paused jobs with their own codes', async () => {
    const running = await startSupervisor('enabled = false', '');
    expect(refusal(() => running.trigger('x', { reason: 'manual' }))).to.equal('UNKNOWN_JOB');
    expect(refusal(() => running.trigger('c', { reason: 'manual' }))).to.equal('JOB_DISABLED');
    expect(running.status().jobs[2]?.state).to.equal('disabled');
    running.pause('a');
    expect(running.status().jobs[0]?.state).to.equal('paused');
    expect(refusal(() => running.trigger('a', { reason: 'manual' }))).to.equal('JOB_PAUSED');
    running.resume('a');
    expect(running.trigger('a', { reason: 'manual' }).outcome).to.equal('queued');
  });

  it('keeps a dry run and a real run of one job apart', async () => {
    const running = await startSupervisor('', 'max_concurrent_syncs = 1');
    running.trigger('a', { reason: 'manual' });
    running.trigger('b', { reason: 'manual', dryRun: true });
    expect(refusal(() => running.trigger('b', { reason: 'manual' }))).to.equal('RUN_CONFLICT');
    expect(running.trigger('b', { reason: 'manual', dryRun: true }).outcome).to.equal('merged');
  });

  it('follows a run from queued to syncing', async () => {
    const running = await startSupervisor('', 'max_concurrent_syncs = 1');
    const first = running.trigger('a', { reason: 'manual' });
    const second = running.trigger('b', { reason: 'manual' });
    expect(running.run('a', first.runId).state).to.equal('syncing');
    expect(running.run('b', second.runId).state).to.equal('queued');
    expect(running.run('b', 'no-such-run').state).to.equal('unknown');
  });
});
