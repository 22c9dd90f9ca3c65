import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { isTempName } from '../../src/engine/temp-names.js';
import { forkSyncRunner } from '../../src/supervisor/fork-sync-runner.js';
import { isAlive } from '../../src/supervisor/pid-file.js';
import {
  forkFixtureRunner,
  killTestDaemons,
  socketOf,
  startTestSupervisor,
  TestDaemon,
  writeDaemonConfig,
} from '../helpers/daemon.js';
import { RunGate } from '../helpers/run-gate.js';
import { expectSameTree, listTree, snapshotTree, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

/**
 * Small files, a folder each (small files of one folder are installed as one batch); a test that acts mid-run
 * holds the run at a RunGate, whatever the disk's speed.
 */
function smallFiles(count: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, index) => [`d${index}/f.txt`, `file ${index}`]),
  );
}

/** How many files the mirror holds under their real names (a run's temp files aside). */
function mirroredFiles(mirror: string): number {
  return listTree(mirror).filter((entry) => !entry.endsWith('/') && !isTempName(path.basename(entry))).length;
}

describe('supervision (real runner processes)', function () {
  this.slow(10_000);
  this.timeout(60_000);
  let dir: string;
  let supervisor: Awaited<ReturnType<typeof startTestSupervisor>> | undefined;

  beforeEach(async () => {
    dir = await makeTempDir();
  });

  afterEach(async () => {
    await supervisor?.shutdown();
    supervisor = undefined;
    await killTestDaemons();
    await removeTempDirs();
  });

  it('restarts a runner killed with SIGKILL mid-sync, runs the job again, and leaves the other job alone', async () => {
    const gate = RunGate.make(dir);
    const config = await writeDaemonConfig(dir, [
      { id: 'big', files: smallFiles(20) },
      { id: 'other', files: { 'x.txt': 'x' } },
    ]);
    // Held after 2 files: only big gets there, other has one.
    const daemon = await TestDaemon.start(config, socketOf(dir), { env: gate.env(2) });
    const before = await daemon.waitUntilIdle();
    const otherBefore = before.jobs.find((job) => job.id === 'other');

    await daemon.call('trigger', { job: 'big' });
    const victim = await gate.waitUntilHeld();
    const held = await daemon.job('big');
    expect(held.runnerPid).to.equal(victim);
    expect(held.state).to.equal('syncing');
    expect(mirroredFiles(path.join(dir, 'big', 'mirror'))).to.be.within(2, 19);
    process.kill(victim, 'SIGKILL');
    gate.open();
    // The other job syncs at once while big's runner is down: it never waits on the crash.
    const otherRun = (await daemon.call('trigger', { job: 'other' })) as { runId: string };

    await waitFor(
      async () => {
        const big = await daemon.job('big');
        return big.state === 'idle' && big.lastRun?.outcome === 'ok' && big.runnerPid !== victim;
      },
      { what: 'big to be restarted and synced again', timeoutMs: 30_000 },
    );
    const big = await daemon.job('big');
    expect(big.restarts).to.equal(1);
    expect(daemon.logged('sync failed', 'big')[0]).to.exist;
    expectSameTree(
      snapshotTree(path.join(dir, 'big', 'mirror')),
      snapshotTree(path.join(dir, 'big', 'source')),
    );

    const other = await daemon.job('other');
    expect(other.runnerPid).to.equal(otherBefore?.runnerPid);
    expect(other.restarts).to.equal(0);
    await waitFor(async () => (await daemon.job('other')).lastRun?.runId === otherRun.runId, {
      what: "the other job's run",
    });
  });

  it('puts a runner that crashes at start in crashloop, still retried, and the other jobs unaffected', async () => {
    await writeDaemonConfig(dir, [{ id: 'broken' }, { id: 'healthy' }], {
      daemon: 'restart_backoff_initial_ms = 10\nrestart_backoff_max_ms = 200\ncrashloop_after_crashes = 3',
    });
    const running = await startTestSupervisor(dir, (job) =>
      job.id === 'broken' ? forkFixtureRunner('crashing-runner.mjs') : forkSyncRunner(job),
    );
    supervisor = running;
    // Three crashes are three Node start-ups: seconds on a loaded machine.
    await waitFor(() => running.status().jobs[0]?.state === 'crashloop', {
      what: 'crashloop',
      timeoutMs: 20_000,
    });
    const crashloop = running.status().jobs[0];
    const retried = crashloop?.restarts ?? 0;
    await waitFor(() => (running.status().jobs[0]?.restarts ?? 0) > retried, {
      what: 'a retry in crashloop',
    });
    const healthy = running.status().jobs[1];
    expect(healthy?.state).to.equal('idle');
    expect(healthy?.restarts).to.equal(0);
    running.trigger('healthy', { reason: 'manual' });
    await waitFor(() => running.status().jobs[1]?.lastRun?.outcome === 'ok', {
      what: 'the healthy job to sync',
    });
  });

  it('kills a sync that makes no progress for sync_timeout_secs and restarts its runner', async () => {
    await writeDaemonConfig(dir, [{ id: 'hung', extra: 'sync_timeout_secs = 1' }]);
    const running = await startTestSupervisor(dir, () => forkFixtureRunner('hanging-runner.mjs'));
    supervisor = running;
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'the runner to be ready' });
    const hungPid = running.status().jobs[0]?.runnerPid as number;
    running.trigger('hung', { reason: 'manual' });
    await waitFor(() => running.status().jobs[0]?.lastRun !== undefined, {
      what: 'the timeout',
      timeoutMs: 10_000,
    });
    const job = running.status().jobs[0];
    expect(job?.lastRun?.outcome).to.equal('failed');
    expect(job?.lastRun?.errors[0]?.code).to.equal('SYNC_TIMEOUT');
    await waitFor(() => !isAlive(hungPid), { what: 'the hung runner to be killed' });
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'a new runner' });
    expect(running.status().jobs[0]?.restarts).to.equal(1);
  });

  it('lets a run that reports progress but finishes no file for longer than sync_timeout_secs go on', async () => {
    await writeDaemonConfig(dir, [{ id: 'slow', extra: 'sync_timeout_secs = 1' }]);
    const running = await startTestSupervisor(dir, () => forkFixtureRunner('steady-progress-runner.mjs'));
    supervisor = running;
    await waitFor(() => running.status().jobs[0]?.state === 'idle', { what: 'the runner to be ready' });
    const pid = running.status().jobs[0]?.runnerPid;
    running.trigger('slow', { reason: 'manual' });
    await waitFor(() => running.status().jobs[0]?.lastRun !== undefined, {
      what: 'the run',
      timeoutMs: 10_000,
    });
    const job = running.status().jobs[0];
    expect(job?.lastRun?.errors[0]?.code).to.not.equal('SYNC_TIMEOUT');
    expect(job?.lastRun?.outcome).to.equal('partial');
    expect(job?.runnerPid).to.equal(pid);
    expect(job?.restarts).to.equal(0);
    // The runner listed 20 of its 100 errors: status says how many are left out.
    expect(job?.lastRun?.errors).to.have.length(20);
    expect(job?.lastRun?.errorsOmitted).to.equal(80);
    expect(job?.lastRun?.stats.errors).to.equal(100);
  });

  it('leaves no runner behind when the supervisor is killed with SIGKILL', async () => {
    const gate = RunGate.make(dir);
    // One file operation at a time, so that a stop before the end shows.
    const config = await writeDaemonConfig(
      dir,
      [{ id: 'one', files: smallFiles(30) }, { id: 'two' }, { id: 'three' }],
      { concurrency: 'max_file_operations = 1' },
    );
    const daemon = await TestDaemon.start(config, socketOf(dir), { env: gate.env() });
    const status = await daemon.waitUntilIdle();
    await daemon.call('trigger', { job: 'one' });
    const syncing = await gate.waitUntilHeld();
    const runners = status.jobs.map((job) => job.runnerPid as number);
    expect(runners).to.include(syncing);
    expect(runners.every((pid) => isAlive(pid))).to.equal(true);

    daemon.child.kill('SIGKILL');
    const idle = runners.filter((pid) => pid !== syncing);
    await waitFor(() => idle.every((pid) => !isAlive(pid)), {
      what: 'every idle runner to exit after its supervisor died',
      timeoutMs: 2000,
      intervalMs: 10,
    });
    // The syncing one stops at a safe point: after the file it is on, which the gate holds until now.
    expect(isAlive(syncing), 'the held runner waits for its safe point').to.equal(true);
    gate.open();
    await waitFor(() => !isAlive(syncing), {
      what: 'the syncing runner to stop after its current file',
      timeoutMs: 2000,
      intervalMs: 10,
    });
    const mirror = path.join(dir, 'one', 'mirror');
    expect(mirroredFiles(mirror), 'stopped before the end').to.be.below(30);
    expect(listTree(mirror).filter((entry) => isTempName(path.basename(entry)))).to.deep.equal([]);
  });

  it('never runs more than max_concurrent_syncs at once, by the runners’ own clocks', async () => {
    const gate = RunGate.make(dir);
    const ids = Array.from({ length: 8 }, (_, index) => `job${index}`);
    const config = await writeDaemonConfig(
      dir,
      ids.map((id) => ({ id, files: smallFiles(2) })),
      { concurrency: 'max_concurrent_syncs = 2' },
    );
    const daemon = await TestDaemon.start(config, socketOf(dir), { env: gate.env() });
    await daemon.waitUntilIdle();
    for (const id of ids) await daemon.call('trigger', { job: id });
    // Two runs held at the gate at once; the six others wait for a place, however long those two take.
    await gate.waitUntilHeld();
    await waitFor(
      async () => (await daemon.status()).jobs.filter((job) => job.state === 'syncing').length === 2,
      {
        what: 'two runs at once',
      },
    );
    const held = await daemon.status();
    expect(held.jobs.filter((job) => job.state === 'syncing')).to.have.length(2);
    expect(held.jobs.filter((job) => job.state === 'queued')).to.have.length(6);
    gate.open();
    await waitFor(async () => (await daemon.status()).jobs.every((job) => job.lastRun?.outcome === 'ok'), {
      what: 'all 8 runs',
      timeoutMs: 30_000,
    });
    // Each run's start and end as its runner stamped them (log records carry the runner's time).
    const stamps = (pattern: RegExp) =>
      new Map(
        daemon.logged(pattern).map((line) => [line.runId as string, Date.parse(line.runnerTime as string)]),
      );
    const starts = stamps(/^sync started \(/);
    const ends = stamps(/^sync (ok|partial|failed):/);
    expect(starts.size).to.equal(8);
    const events = [...starts].flatMap(([runId, start]) => [
      { at: start, delta: 1 },
      { at: ends.get(runId) as number, delta: -1 },
    ]);
    events.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let syncing = 0;
    let most = 0;
    for (const event of events) {
      syncing += event.delta;
      most = Math.max(most, syncing);
    }
    expect(most).to.equal(2);
  });

  it('turns 1,000 triggers during a run into exactly one more run', async () => {
    const gate = RunGate.make(dir);
    const config = await writeDaemonConfig(dir, [{ id: 'busy', files: smallFiles(4) }]);
    const daemon = await TestDaemon.start(config, socketOf(dir), { env: gate.env() });
    await daemon.waitUntilIdle();
    const first = (await daemon.call('trigger', { job: 'busy' })) as { runId: string };
    await gate.waitUntilHeld();

    const replies = await sendMany(
      daemon.socketPath,
      Array.from({ length: 1000 }, (_, index) => ({ id: index, method: 'trigger', params: { job: 'busy' } })),
    );
    const outcomes = new Set(replies.map((reply) => (reply.result as { outcome: string }).outcome));
    const runIds = new Set(replies.map((reply) => (reply.result as { runId: string }).runId));
    expect((await daemon.job('busy')).current?.runId, 'still the first run').to.equal(first.runId);
    expect(runIds.size, 'every trigger names the same next run').to.equal(1);
    expect([...outcomes].sort()).to.deep.equal(['merged', 'pending']);
    gate.open();

    const next = [...runIds][0] as string;
    await waitFor(async () => (await daemon.job('busy')).lastRun?.runId === next, {
      what: 'the one run after it',
      timeoutMs: 30_000,
    });
    const job = await daemon.job('busy');
    expect(job.state).to.equal('idle');
    expect(daemon.logged('sync started', 'busy')).to.have.length(2);
  });

  it('runs a 30d interval job at start-up and then waits 30 days, not a millisecond', async () => {
    const config = await writeDaemonConfig(dir, [
      { id: 'monthly', schedule: 'type = "interval"\ninterval = "30d"' },
    ]);
    const daemon = await TestDaemon.start(config, socketOf(dir));
    await waitFor(async () => (await daemon.job('monthly')).lastRun !== undefined, { what: 'the first run' });
    // A run asked for by hand, followed to its end: the time in which a broken timer would have run it again.
    const manual = (await daemon.call('trigger', { job: 'monthly' })) as { runId: string };
    await waitFor(async () => (await daemon.job('monthly')).lastRun?.runId === manual.runId, {
      what: 'the manual run',
    });
    expect(daemon.logged('sync started', 'monthly')).to.have.length(2);
    const job = await daemon.job('monthly');
    expect(Date.parse(job.nextRunAt ?? '') - Date.now()).to.be.within(29 * 86_400_000, 30 * 86_400_000);
  });

  it('reloads: a broken config keeps the running one; a changed job is the only one restarted', async () => {
    const jobs = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    const config = await writeDaemonConfig(dir, jobs);
    const daemon = await TestDaemon.start(config, socketOf(dir));
    const before = await daemon.waitUntilIdle();
    const pidOf = (status: typeof before, id: string) => status.jobs.find((job) => job.id === id)?.runnerPid;

    const { writeFileSync, readFileSync } = await import('node:fs');
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, `${good}\n[[sync_jobs]]\nid = "bad id!"\n`);
    const rejected = await daemon.call('reload').catch((error: { code: string; message: string }) => error);
    expect((rejected as { code: string }).code).to.equal('CONFIG_INVALID');
    expect((rejected as { message: string }).message).to.match(/config\.toml:\d+:\d+: sync_jobs\[3\]/);
    const kept = await daemon.status();
    expect(kept.configLoadedAt).to.equal(before.configLoadedAt);
    expect(kept.jobs.map((job) => job.runnerPid)).to.deep.equal(before.jobs.map((job) => job.runnerPid));

    await writeDaemonConfig(dir, [{ id: 'a' }, { id: 'b', extra: 'filters = ["*.tmp"]' }, { id: 'c' }]);
    const reply = await daemon.call('reload');
    expect(reply).to.deep.include({ added: [], removed: [], restarted: ['b'], unchanged: ['a', 'c'] });
    const after = await daemon.waitUntilIdle();
    expect(pidOf(after, 'a')).to.equal(pidOf(before, 'a'));
    expect(pidOf(after, 'c')).to.equal(pidOf(before, 'c'));
    expect(pidOf(after, 'b')).to.not.equal(pidOf(before, 'b'));
    expect(isAlive(pidOf(before, 'b') as number)).to.equal(false);
  });

  it('with auto_restart_on_config_change, runs a run that a reload stopped half-way again, with the new settings, once the new runner is ready', async () => {
    const files = {
      ...Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`keep-${index}.txt`, `keep ${index}`])),
      ...Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`skip-${index}.log`, `skip ${index}`])),
    };
    const daemonKeys = { daemon: 'auto_restart_on_config_change = true' };
    const config = await writeDaemonConfig(dir, [{ id: 'job', files }], daemonKeys);
    const gate = RunGate.make(dir);
    const daemon = await TestDaemon.start(config, socketOf(dir), { env: gate.env() });
    const before = await daemon.waitUntilIdle();
    const oldRunner = before.jobs[0]?.runnerPid;

    const { runId } = (await daemon.call('trigger', { job: 'job' })) as { runId: string };
    await gate.waitUntilHeld();
    await writeDaemonConfig(dir, [{ id: 'job', files, extra: 'filters = ["*.log"]' }], daemonKeys);
    // The reload waits for the old runner to stop, which waits for its run to leave the gate.
    const reloaded = daemon.call('reload');
    await waitFor(() => daemon.logged('stopping after the current file', 'job').length > 0, {
      what: 'the old runner to be asked to stop',
    });
    gate.open();
    expect(await reloaded).to.deep.include({ restarted: ['job'] });

    await waitFor(
      async () => {
        const job = await daemon.job('job');
        return job.state === 'idle' && job.lastRun !== undefined && job.lastRun.runId !== runId;
      },
      { what: 'the interrupted run to run again', timeoutMs: 15_000 },
    );
    const job = await daemon.job('job');
    expect(job.runnerPid).to.not.equal(oldRunner);
    expect(job.lastRun).to.deep.include({ outcome: 'ok', reasons: ['retry'] });
    // The new filter is in force: the .log files are excluded, and every other file is mirrored.
    expect(job.lastRun?.stats.excluded).to.equal(20);
    const mirrored = fs.readdirSync(path.join(dir, 'job', 'mirror'));
    for (let index = 0; index < 20; index++) expect(mirrored).to.include(`keep-${index}.txt`);
  });

  it('without auto_restart_on_config_change (the default), lets a running sync finish, then restarts its runner', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [`file-${index}.txt`, `file ${index}`]),
    );
    const config = await writeDaemonConfig(dir, [{ id: 'job', files }]);
    const gate = RunGate.make(dir);
    const daemon = await TestDaemon.start(config, socketOf(dir), { env: gate.env() });
    const oldRunner = (await daemon.waitUntilIdle()).jobs[0]?.runnerPid;
    const { runId } = (await daemon.call('trigger', { job: 'job' })) as { runId: string };
    await gate.waitUntilHeld();
    await writeDaemonConfig(dir, [{ id: 'job', files, extra: 'filters = ["*.tmp"]' }]);
    // The reload answers at once; the job keeps its runner until the run ends.
    const reply = (await daemon.call('reload')) as { restarted: string[]; warnings: string[] };
    expect(reply.restarted).to.deep.equal(['job']);
    expect(reply.warnings).to.include('job job restarts with its new settings once its running sync ends');
    expect((await daemon.job('job')).runnerPid).to.equal(oldRunner);
    gate.open();
    await waitFor(
      async () => {
        const job = await daemon.job('job');
        return job.state === 'idle' && job.runnerPid !== oldRunner && job.lastRun?.runId === runId;
      },
      { what: 'the run to end, then the new runner', timeoutMs: 15_000 },
    );
    const job = await daemon.job('job');
    expect(job.lastRun).to.deep.include({ outcome: 'ok' });
    expect(job.lastRun?.stats.copied).to.equal(20);
    expect(daemon.logged('stopping after the current file', 'job')).to.deep.equal([]);
  });
});

/** Many requests down one connection, as fast as the socket takes them; resolves with every reply. */
function sendMany(
  socketPath: string,
  requests: readonly object[],
): Promise<{ id: number; result?: unknown; error?: unknown }[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const replies: { id: number; result?: unknown; error?: unknown }[] = [];
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('connect', () =>
      socket.write(requests.map((request) => `${JSON.stringify(request)}\n`).join('')),
    );
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) replies.push(JSON.parse(line));
      if (replies.length === requests.length) {
        socket.end();
        resolve(replies);
      }
    });
  });
}
