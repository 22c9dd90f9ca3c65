import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import type { Dispatcher } from '../../src/supervisor/dispatcher.js';
import { forkSyncRunner } from '../../src/supervisor/fork-sync-runner.js';
import { isAlive } from '../../src/supervisor/pid-file.js';
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

  it('keeps a dry run and a real run of one job apart, and a waiting dry run refuses no real trigger', async () => {
    const running = await startSupervisor('', 'max_concurrent_syncs = 1\nsync_queue_size = 1');
    running.trigger('a', { reason: 'manual' });
    const dry = running.trigger('b', { reason: 'manual', dryRun: true });
    // The queue is full (b's dry run), yet b's real run joins b's place in it.
    const real = running.trigger('b', { reason: 'schedule' });
    expect(real.outcome).to.equal('queued');
    expect(real.runId).to.not.equal(dry.runId);
    expect(running.trigger('b', { reason: 'manual', dryRun: true })).to.deep.include({
      outcome: 'merged',
      runId: dry.runId,
    });
    expect(running.trigger('b', { reason: 'retry' })).to.deep.include({
      outcome: 'merged',
      runId: real.runId,
    });
    expect(running.run('b', dry.runId).state).to.equal('queued');
    expect(running.run('b', real.runId).state).to.equal('queued');
    expect(running.status().queue.waiting).to.equal(1);
    expect(running.status().jobs[1]?.rejectedTriggers).to.equal(0);
  });

  it('logs and counts a scheduled trigger that the full queue refuses', async () => {
    const running = await startSupervisor('', 'max_concurrent_syncs = 1\nsync_queue_size = 1');
    running.trigger('a', { reason: 'manual' });
    running.trigger('b', { reason: 'manual' });
    expect(refusal(() => running.trigger('c', { reason: 'schedule' }))).to.equal('QUEUE_FULL');
    expect(running.status().jobs[2]?.rejectedTriggers).to.equal(1);
    expect(
      records.some(
        (record) =>
          record.msg === 'sync queue full: trigger rejected' &&
          record.job === 'c' &&
          (record as { reason?: string }).reason === 'schedule',
      ),
    ).to.be.true;
  });

  it('follows a run from queued to syncing', async () => {
    const running = await startSupervisor('', 'max_concurrent_syncs = 1');
    const first = running.trigger('a', { reason: 'manual' });
    const second = running.trigger('b', { reason: 'manual' });
    expect(running.run('a', first.runId).state).to.equal('syncing');
    expect(running.run('b', second.runId).state).to.equal('queued');
    expect(running.run('b', 'no-such-run').state).to.equal('unknown');
  });

  it('answers a long poll of a run that does not end once its wait is over, with the run as it stands', async () => {
    const running = await startSupervisor('', 'max_concurrent_syncs = 1');
    const { runId } = running.trigger('a', { reason: 'manual' });
    const asked = performance.now();
    const reply = await running.awaitRun('a', runId, 150);
    expect(reply.state).to.equal('syncing');
    expect(performance.now() - asked).to.be.at.least(140);
  });
});

describe('Supervisor triggers from its own timers', function () {
  this.slow(3000);
  let supervisor: Supervisor | undefined;
  const records: { level: number; msg: string; job?: string; reason?: string }[] = [];

  afterEach(async () => {
    sinon.restore();
    await supervisor?.shutdown();
    supervisor = undefined;
    records.length = 0;
    await removeTempDirs();
  });

  /** A job `a` on a hanging runner; its dispatcher fails every trigger with a plain Error from now on. */
  async function startWithBrokenDispatcher(schedule: string): Promise<Supervisor> {
    const dir = await makeTempDir();
    await writeDaemonConfig(dir, [{ id: 'a', schedule }], { daemon: 'stop_timeout_secs = 1' });
    const started = await startTestSupervisor(dir, () => forkFixtureRunner('hanging-runner.mjs'), records);
    supervisor = started;
    const { dispatcher } = started as unknown as { dispatcher: Dispatcher };
    sinon.stub(dispatcher, 'trigger').throws(new Error('the dispatcher broke'));
    return started;
  }

  function failureRecord(reason: 'schedule' | 'retry') {
    return records.find((record) => record.level === 50 && record.job === 'a' && record.reason === reason);
  }

  it('logs and counts a scheduled trigger that fails with an unexpected error, and keeps supervising', async () => {
    // An interval job is due at once, then every 100 ms: each due fails, none may escape its timer.
    const running = await startWithBrokenDispatcher('type = "interval"\ninterval = "100ms"');

    await waitFor(() => (running.status().jobs[0]?.rejectedTriggers ?? 0) >= 2, { what: 'two failed dues' });

    expect(failureRecord('schedule')?.msg).to.equal('schedule trigger failed: the dispatcher broke');
    sinon.restore();
    expect(running.trigger('a', { reason: 'manual' }).outcome).to.be.oneOf(['queued', 'merged', 'pending']);
  });

  it('logs and counts a retry that fails with an unexpected error when a runner dies during a run', async () => {
    const dir = await makeTempDir();
    await writeDaemonConfig(dir, [{ id: 'a' }], { daemon: 'stop_timeout_secs = 1' });
    const running = await startTestSupervisor(dir, () => forkFixtureRunner('hanging-runner.mjs'), records);
    supervisor = running;
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'the runner' });
    running.trigger('a', { reason: 'manual' });
    const { dispatcher } = running as unknown as { dispatcher: Dispatcher };
    sinon.stub(dispatcher, 'trigger').throws(new Error('the dispatcher broke'));

    process.kill(running.status().jobs[0]?.runnerPid as number, 'SIGKILL');
    await waitFor(() => failureRecord('retry') !== undefined, { what: 'the failed retry' });

    expect(failureRecord('retry')?.msg).to.equal('retry trigger failed: the dispatcher broke');
    expect(running.status().jobs[0]?.rejectedTriggers).to.equal(1);
    expect(running.status().jobs[0]?.lastRun).to.include({ outcome: 'failed' });
  });
});

describe('Supervisor with real runners', function () {
  this.slow(5000);
  let supervisor: Awaited<ReturnType<typeof startTestSupervisor>> | undefined;

  afterEach(async () => {
    await supervisor?.shutdown();
    supervisor = undefined;
    await removeTempDirs();
  });

  it('honours sync_options.dry_run: a triggered run writes nothing', async () => {
    const dir = await makeTempDir();
    await writeDaemonConfig(dir, [{ id: 'careful', extra: '[sync_jobs.sync_options]\ndry_run = true' }]);
    const running = await startTestSupervisor(dir, (job) => forkSyncRunner(job));
    supervisor = running;
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'the runner' });
    running.trigger('careful', { reason: 'manual' });
    await waitFor(() => running.status().jobs[0]?.lastRun !== undefined, { what: 'the run' });
    expect(running.status().jobs[0]?.lastRun).to.include({ outcome: 'ok', dryRun: true });
    expect(fs.existsSync(path.join(dir, 'careful', 'mirror'))).to.equal(false);
  });

  it('answers a long poll as soon as the run ends, not when the wait is over', async () => {
    const dir = await makeTempDir();
    await writeDaemonConfig(dir, [{ id: 'a' }]);
    const running = await startTestSupervisor(dir, (job) => forkSyncRunner(job));
    supervisor = running;
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'the runner' });
    const { runId } = running.trigger('a', { reason: 'manual' });
    // Had it waited out its minute, mocha's timeout would end the test first.
    const reply = await running.awaitRun('a', runId, 60_000);
    expect(reply).to.deep.include({ state: 'done', runId });
    expect(await running.awaitRun('a', runId, 60_000)).to.deep.include({ state: 'done', runId });
  });

  it('starts nothing after shutdown, even with a job restart and a reload in flight', async () => {
    const dir = await makeTempDir();
    await writeDaemonConfig(dir, [{ id: 'a' }, { id: 'b' }]);
    const running = await startTestSupervisor(dir, (job) => forkSyncRunner(job));
    supervisor = running;
    await waitFor(() => running.status().jobs.every((job) => job.state === 'idle'), { what: 'the runners' });
    const pids = new Set(running.status().jobs.map((job) => job.runnerPid as number));
    const restarts = [running.restartJob('a'), running.restartJob('a'), running.reload()];
    await running.shutdown();
    await Promise.allSettled(restarts);
    const after = running.status().jobs;
    expect(after.every((job) => job.runnerPid === undefined || !isAlive(job.runnerPid))).to.equal(true);
    for (const pid of pids) expect(isAlive(pid)).to.equal(false);
  });

  it('leaves one runner per job when two restarts of it come at once', async () => {
    const dir = await makeTempDir();
    await writeDaemonConfig(dir, [{ id: 'a' }]);
    const running = await startTestSupervisor(dir, (job) => forkSyncRunner(job));
    supervisor = running;
    const spawned: number[] = [];
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'the runner' });
    spawned.push(running.status().jobs[0]?.runnerPid as number);
    const first = running.restartJob('a').then((job) => spawned.push(job.runnerPid as number));
    const second = running.restartJob('a').then((job) => spawned.push(job.runnerPid as number));
    await Promise.all([first, second]);
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'the last runner' });
    const current = running.status().jobs[0]?.runnerPid as number;
    expect(running.status().jobs[0]?.restarts).to.equal(2);
    expect(spawned.filter((pid) => pid !== current).every((pid) => !isAlive(pid))).to.equal(true);
  });

  it('drops the waiting run of a job the reload removes', async () => {
    const dir = await makeTempDir();
    const settings = { concurrency: 'max_concurrent_syncs = 1', daemon: 'stop_timeout_secs = 1' };
    await writeDaemonConfig(dir, [{ id: 'a' }, { id: 'b' }], settings);
    const running = await startTestSupervisor(dir, () => forkFixtureRunner('hanging-runner.mjs'));
    supervisor = running;
    await waitFor(() => running.status().jobs.every((job) => job.state === 'idle'), { what: 'the runners' });
    running.trigger('a', { reason: 'manual' });
    running.trigger('b', { reason: 'manual' });
    expect(running.status().queue.waiting).to.equal(1);
    await writeDaemonConfig(dir, [{ id: 'a' }], settings);
    await running.reload();
    expect(running.status().queue.waiting).to.equal(0);
  });
});
