import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { callDaemon } from '../../src/control/control-client.js';
import { isTempName } from '../../src/engine/temp-names.js';
import { isAlive } from '../../src/supervisor/pid-file.js';
import { killTestDaemons, socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/run-cli.js';
import { RunGate } from '../helpers/run-gate.js';
import { expectSameTree, listTree, snapshotTree, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

describe('the daemon through the CLI', function () {
  this.slow(5000);
  this.timeout(60_000);
  let dir: string;
  let config: string;
  let socket: string;
  const started: number[] = [];

  beforeEach(async () => {
    dir = await makeTempDir();
    config = await writeDaemonConfig(dir, [
      { id: 'docs', files: { 'a.txt': 'alpha', 'sub/b.txt': 'beta' } },
      { id: 'photos', schedule: 'type = "interval"\ninterval = "1h"' },
    ]);
    socket = socketOf(dir);
  });

  afterEach(async () => {
    // A detached daemon is no child of ours: stop what a test started, then kill what is left.
    await runCli(['stop', '--force', '--config', config]);
    for (const pid of started.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await killTestDaemons();
    await removeTempDirs();
  });

  async function start(...extra: string[]) {
    const result = await runCli(['start', '--config', config, ...extra]);
    const pid = /started \(pid (\d+)\)/.exec(result.stdout)?.[1];
    if (pid) started.push(Number(pid));
    return result;
  }

  it('starts detached, reports status, syncs on request and stops', async () => {
    const start1 = await start();
    expect(start1.exitCode, start1.stderr).to.equal(ExitCode.ok);
    expect(start1.stdout).to.match(/sync-daemon started \(pid \d+\)/);
    expect(start1.stdout).to.include(socket);

    const status = await runCli(['status', '--json', '--config', config]);
    expect(status.exitCode, status.stderr).to.equal(0);
    const parsed = JSON.parse(status.stdout);
    expect(parsed.socketPath).to.equal(socket);
    expect(parsed.configFile).to.equal(config);
    expect(parsed.jobs.map((job: { id: string }) => job.id)).to.deep.equal(['docs', 'photos']);
    expect(parsed.jobs[1].nextRunAt, 'an interval job knows its next run').to.be.a('string');

    const text = await runCli(['status', '--config', config]);
    expect(text.stdout).to.match(/sync-daemon 0\.1\.0: running \(pid \d+\)/);
    expect(text.stdout).to.match(/^docs\s+(idle|starting)/m);

    const sync = await runCli(['sync', 'docs', '--wait', '--config', config]);
    expect(sync.exitCode, sync.stderr).to.equal(0);
    expect(sync.stdout).to.match(/docs: ok in/);
    expectSameTree(
      snapshotTree(path.join(dir, 'docs', 'mirror')),
      snapshotTree(path.join(dir, 'docs', 'source')),
    );

    const stop = await runCli(['stop', '--config', config]);
    expect(stop.exitCode, stop.stderr).to.equal(0);
    expect(stop.stdout).to.match(/sync-daemon stopped \(pid \d+\)/);
    expect(fs.existsSync(socket), 'socket removed').to.equal(false);
    expect(fs.existsSync(path.join(dir, 'run', 'daemon.pid')), 'pid file removed').to.equal(false);
    expect(isAlive(parsed.pid)).to.equal(false);
    for (const job of parsed.jobs) if (job.runnerPid) expect(isAlive(job.runnerPid)).to.equal(false);

    const after = await runCli(['status', '--config', config]);
    expect(after.exitCode).to.equal(ExitCode.notRunning);
    expect(after.stderr).to.include('sync-daemon is not running');
  });

  it('refuses a second daemon on the same socket', async () => {
    expect((await start()).exitCode).to.equal(0);
    const second = await start();
    expect(second.exitCode).to.equal(ExitCode.failure);
    expect(second.stderr).to.match(/already running on .*daemon\.sock \(pid \d+\)/);

    // The same refusal from the daemon itself, when it is started in the foreground.
    const foreground = await runCli(['start', '--foreground', '--config', config]);
    expect(foreground.exitCode).to.equal(ExitCode.failure);
    expect(foreground.stderr).to.match(/a daemon is already running on .*daemon\.sock \(pid \d+\)/);
  });

  it('fails with the config error and exit 2 when the config is invalid', async () => {
    fs.appendFileSync(config, '[[sync_jobs]]\nid = "broken"\n');
    const result = await start();
    expect(result.exitCode).to.equal(ExitCode.usage);
    expect(result.stderr).to.match(/config\.toml:\d+:\d+: sync_jobs\[2\]/);
    expect(fs.existsSync(socket)).to.equal(false);
  });

  it('replaces a stale pid file and a stale socket left by a crashed daemon', async () => {
    // A process that is gone: its pid is stale.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    fs.mkdirSync(path.join(dir, 'run'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'run', 'daemon.pid'), `${dead.pid}\n`);
    // A socket file whose listener was killed: nobody answers on it.
    const listener = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise((resolve) => listener.stdout.once('data', resolve));
    listener.kill('SIGKILL');
    await new Promise((resolve) => listener.once('exit', resolve));
    expect(fs.existsSync(socket), 'the stale socket is there').to.equal(true);

    const result = await start();
    expect(result.exitCode, result.stderr).to.equal(0);
    const pid = Number(/pid (\d+)/.exec(result.stdout)?.[1]);
    expect(fs.readFileSync(path.join(dir, 'run', 'daemon.pid'), 'utf8').trim()).to.equal(String(pid));
    expect((await runCli(['status', '--config', config])).exitCode).to.equal(0);
  });

  it('keeps the socket private: mode 0600 in a 0700 folder', async () => {
    expect((await start()).exitCode).to.equal(0);
    expect(fs.statSync(socket).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(path.dirname(socket)).mode & 0o777).to.equal(0o700);
  });

  it('restarts with the same config, and pauses, resumes and restarts one job', async () => {
    expect((await start()).exitCode).to.equal(0);
    const before = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout);

    const paused = await runCli(['job', 'pause', 'docs', '--config', config]);
    expect(paused.stdout).to.match(/^docs: paused/);
    const refused = await runCli(['sync', 'docs', '--config', config]);
    expect(refused.exitCode).to.equal(ExitCode.failure);
    expect(refused.stderr).to.include('docs is paused');
    expect((await runCli(['job', 'resume', 'docs', '--config', config])).stdout).to.match(
      /^docs: (idle|starting)/,
    );

    const restartedJob = JSON.parse(
      (await runCli(['job', 'restart', 'docs', '--json', '--config', config])).stdout,
    );
    expect(restartedJob.runnerPid).to.not.equal(before.jobs[0].runnerPid);
    expect(restartedJob.restarts).to.equal(1);

    const restart = await runCli(['restart', '--config', config]);
    expect(restart.exitCode, restart.stderr).to.equal(0);
    const pid = Number(/started \(pid (\d+)\)/.exec(restart.stdout)?.[1]);
    started.push(pid);
    expect(pid).to.not.equal(before.pid);
    expect(isAlive(before.pid)).to.equal(false);
    const after = JSON.parse((await runCli(['status', '--json', '--config', config])).stdout);
    expect(after.configFile).to.equal(config);
  });

  it('restart and start refuse, and start no second daemon, when the socket accepts but never answers', async () => {
    // A hung daemon, as far as a client can tell: connections are accepted and nothing ever comes back.
    fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o700 });
    const held = new Set<net.Socket>();
    const hung = net.createServer((connection) => {
      held.add(connection);
      connection.on('close', () => held.delete(connection));
    });
    await new Promise<void>((resolve) => hung.listen(socket, resolve));
    try {
      const restart = await runCli(['restart', '--json', '--config', config]);
      expect(restart.exitCode, restart.stderr).to.equal(ExitCode.failure);
      const { error } = JSON.parse(restart.stdout);
      expect(error.code).to.equal('DAEMON_NOT_ANSWERING');
      expect(error.message).to.include(`the daemon on ${socket} did not answer`);
      const again = await runCli(['start', '--json', '--config', config]);
      expect(again.exitCode, again.stderr).to.equal(ExitCode.failure);
      expect(JSON.parse(again.stdout).error.code).to.equal('DAEMON_NOT_ANSWERING');
      expect(fs.existsSync(path.join(dir, 'daemon.log')), 'no daemon was started').to.equal(false);
      expect(fs.existsSync(path.join(dir, 'run', 'daemon.pid'))).to.equal(false);
    } finally {
      for (const connection of held) connection.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('answers "not running" with exit 3 for status, stop and job commands', async () => {
    for (const args of [['status'], ['stop'], ['reload'], ['job', 'pause', 'docs']]) {
      const result = await runCli([...args, '--config', config]);
      expect(result.exitCode, args.join(' ')).to.equal(ExitCode.notRunning);
      expect(result.stderr).to.include(`no daemon is running on ${socket}`);
    }
    const json = await runCli(['status', '--json', '--config', config]);
    expect(JSON.parse(json.stdout).error.code).to.equal('NOT_RUNNING');
  });

  it('runs a one-shot sync when no daemon runs, and finds the daemon by --socket and $SYNC_DAEMON_SOCKET', async () => {
    const oneShot = await runCli(['sync', 'docs', '--config', config, '--json']);
    expect(JSON.parse(oneShot.stdout).via).to.equal('one-shot');

    const daemon = await TestDaemon.start(config, socket);
    const viaFlag = await runCli(['status', '--json', '--socket', socket]);
    expect(JSON.parse(viaFlag.stdout).pid).to.equal(daemon.pid);
    const viaEnv = await runCli(['status', '--json'], { env: { SYNC_DAEMON_SOCKET: socket } });
    expect(JSON.parse(viaEnv.stdout).pid).to.equal(daemon.pid);
    const triggered = await runCli(['sync', 'photos', '--json', '--config', config]);
    expect(JSON.parse(triggered.stdout)).to.include({ via: 'daemon', job: 'photos' });
    const unknown = await runCli(['sync', 'phtos', '--config', config]);
    expect(unknown.exitCode).to.equal(ExitCode.usage);
    expect(unknown.stderr).to.include('did you mean "photos"');
    await callDaemon(socket, 'status');
  });

  it('shows the plan of a dry run the daemon ran, and writes nothing', async () => {
    await TestDaemon.start(config, socket);
    const dry = await runCli(['sync', 'docs', '--dry-run', '--config', config]);
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.stdout).to.match(/^copy +a\.txt +\(/m);
    expect(dry.stdout).to.match(/^copy +sub\/b\.txt +\(/m);
    expect(dry.stdout).to.include('docs: dry run, nothing written: ok');
    expect(fs.existsSync(path.join(dir, 'docs', 'mirror'))).to.equal(false);
    const json = JSON.parse(
      (await runCli(['sync', 'docs', '--dry-run', '--json', '--config', config])).stdout,
    );
    expect(json).to.include({ via: 'daemon', job: 'docs' });
    expect(json.plan.map((entry: { path: string }) => entry.path)).to.include.members(['a.txt', 'sub/b.txt']);
  });

  it('stops gracefully on SIGTERM and reloads on SIGHUP', async () => {
    const daemon = await TestDaemon.start(config, socket);
    fs.appendFileSync(
      config,
      `[[sync_jobs]]\nid = "added"\nsource_path = "${path.join(dir, 'docs', 'source')}"\ndestination_path = "${path.join(dir, 'added-mirror')}"\n`,
    );
    daemon.child.kill('SIGHUP');
    await waitFor(async () => (await daemon.status()).jobs.some((job) => job.id === 'added'), {
      what: 'the added job after SIGHUP',
    });
    const runnerPids = (await daemon.waitUntilIdle()).jobs.map((job) => job.runnerPid as number);
    expect(await daemon.stop()).to.equal(0);
    expect(fs.existsSync(socket)).to.equal(false);
    expect(fs.existsSync(path.join(dir, 'run', 'daemon.pid'))).to.equal(false);
    for (const pid of runnerPids) expect(isAlive(pid)).to.equal(false);
    expect(daemon.logged('daemon stopped')).to.have.length(1);
  });

  it('stops every runner at a safe point on Ctrl-C, which reaches the whole process group', async () => {
    const daemon = await TestDaemon.start(config, socket, { ownGroup: true });
    const runners = (await daemon.waitUntilIdle()).jobs.map((job) => job.runnerPid as number);
    process.kill(-daemon.pid, 'SIGINT');
    expect(await daemon.waitForExit()).to.equal(0);
    for (const pid of runners) expect(isAlive(pid)).to.equal(false);
    expect(daemon.logged('stopping')).to.have.length(runners.length);
    expect(daemon.logged(/runner (backoff|crashloop)/)).to.deep.equal([]);
  });

  it('on Ctrl-C mid-run, stops the run after its current file and exits 0, leaving no temp file', async () => {
    // A folder per file and one file operation at a time: the run cannot have everything in flight already.
    const files = Object.fromEntries(
      Array.from({ length: 30 }, (_, index) => [`d${index}/f.txt`, `${index}`]),
    );
    config = await writeDaemonConfig(dir, [{ id: 'docs', files }], {
      concurrency: 'max_file_operations = 1',
    });
    const gate = RunGate.make(dir);
    const daemon = await TestDaemon.start(config, socket, { ownGroup: true, env: gate.env() });
    await daemon.waitUntilIdle();
    await daemon.call('trigger', { job: 'docs' });
    const runner = await gate.waitUntilHeld();

    process.kill(-daemon.pid, 'SIGINT');
    // The run goes on only once its runner has the stop: otherwise a fast disk copies the rest first.
    await waitFor(() => daemon.logged('stopping after the current file', 'docs').length > 0, {
      what: 'the runner to take the stop',
    });
    gate.open();

    expect(await daemon.waitForExit()).to.equal(0);
    expect(isAlive(runner)).to.equal(false);
    expect(daemon.logged('stopping after the current file', 'docs')).to.have.length(1);
    const mirrored = listTree(path.join(dir, 'docs', 'mirror'));
    const copied = mirrored.filter((entry) => !entry.endsWith('/'));
    expect(copied.length, `stopped before the end: ${copied.join(' ')}`).to.be.below(30);
    expect(mirrored.filter((entry) => isTempName(path.basename(entry)))).to.deep.equal([]);
  });

  it('answers only once it supervises every job, and takes SIGHUP from then on', async () => {
    const child = spawn(process.execPath, [CLI, 'start', '--foreground', '--config', config], {
      stdio: 'ignore',
    });
    try {
      let first: unknown;
      await waitFor(
        async () => {
          first = await callDaemon(socket, 'status').catch(() => undefined);
          return first !== undefined;
        },
        { what: 'the first answer', intervalMs: 1, timeoutMs: 15_000 },
      );
      expect((first as { jobs: unknown[] }).jobs).to.have.length(2);
      child.kill('SIGHUP');
      expect((await callDaemon(socket, 'status')) as { pid: number }).to.have.property('pid', child.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('shows 20 errors of a run that had more, an unreadable folder first, and says how many it left out', async function () {
    if (process.getuid?.() !== 0) this.skip();
    // A daemon of an unprivileged user (root reads everything): 30 unreadable files, then an unreadable folder.
    const nobody = 65534;
    fs.chmodSync(dir, 0o755);
    const own = path.join(dir, 'nobody');
    fs.mkdirSync(own, { mode: 0o777 });
    fs.chmodSync(own, 0o777);
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`f${index}.txt`, 'x']));
    const ownConfig = await writeDaemonConfig(own, [
      { id: 'many', files: { ...files, 'zz-locked/in.txt': 'x' } },
    ]);
    const source = path.join(own, 'many', 'source');
    for (const name of Object.keys(files)) fs.chmodSync(path.join(source, name), 0o000);
    fs.chmodSync(path.join(source, 'zz-locked'), 0o000);
    fs.mkdirSync(path.join(own, 'many', 'mirror'));
    fs.chownSync(path.join(own, 'many', 'mirror'), nobody, nobody);
    await TestDaemon.start(ownConfig, socketOf(own), {
      user: { uid: nobody, gid: nobody },
      env: { HOME: own },
    });

    const result = await runCli(['sync', 'many', '--wait', '--config', ownConfig]);

    expect(result.exitCode, result.stderr).to.equal(ExitCode.failure);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('  error: '));
    expect(errors).to.have.length(20);
    expect(errors[0]).to.match(/^ {2}error: zz-locked: .*\(EACCES\)$/);
    expect(result.stdout).to.include('  … and 11 more errors (31 in all)\n');
    const json = await runCli(['sync', 'many', '--wait', '--json', '--config', ownConfig]);
    expect(JSON.parse(json.stdout).result).to.deep.include({ errorsOmitted: 11 });
  });

  it('never lets a socket client crash it', async () => {
    await TestDaemon.start(config, socket);
    const send = (payload: string | Buffer, { end = true } = {}) =>
      new Promise<string>((resolve) => {
        const client = net.connect(socket);
        let received = '';
        client.setEncoding('utf8');
        client.on('data', (chunk: string) => {
          received += chunk;
        });
        client.on('error', () => resolve(received));
        client.on('close', () => resolve(received));
        client.on('connect', () => {
          client.write(payload);
          if (end) client.end();
          else client.destroy();
        });
      });

    expect(await send('{not json\n')).to.include('BAD_JSON');
    expect(await send('{"id":1,"method":"nope"}\n')).to.include('UNKNOWN_METHOD');
    expect(await send('{"id":2,"method":"trigger","params":{"job":42}}\n')).to.include('BAD_PARAMS');
    for (const waitMs of ['-1', '1.5', '"100"', '60001'])
      expect(
        await send(`{"id":4,"method":"run","params":{"job":"docs","runId":"r","waitMs":${waitMs}}}\n`),
      ).to.include('BAD_PARAMS');
    expect(await send(Buffer.alloc(2 * 1024 * 1024, 'x'))).to.include('FRAME_TOO_LARGE');
    await send('{"id":3,"method":"sta', { end: false });
    const many = await Promise.all(Array.from({ length: 200 }, () => callDaemon(socket, 'status')));
    expect(many).to.have.length(200);
    const status = await callDaemon(socket, 'status');
    expect((status as { jobs: unknown[] }).jobs).to.have.length(2);
  });
});
