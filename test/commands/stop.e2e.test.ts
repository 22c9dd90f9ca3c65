import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { isAlive } from '../../src/supervisor/pid-file.js';
import { killTestDaemons, socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// `stop --force` on a daemon that does not answer on its socket: found by the config's pid file. Needs a build.
describe('stop --force without an answer on the socket', function () {
  this.slow(10_000);
  this.timeout(60_000);
  let dir: string;
  let config: string;
  let socket: string;
  let pidFile: string;
  const others: ChildProcess[] = [];

  beforeEach(async () => {
    dir = await makeTempDir();
    // A stop timeout of 1 s: a daemon that ignores SIGTERM is killed after 2 × 1 + 5 s, as `stop` waits.
    config = await writeDaemonConfig(dir, [{ id: 'docs' }, { id: 'photos' }], {
      daemon: 'stop_timeout_secs = 1',
    });
    socket = socketOf(dir);
    pidFile = path.join(dir, 'run', 'daemon.pid');
  });

  afterEach(async () => {
    for (const child of others.splice(0)) child.kill('SIGKILL');
    await killTestDaemons();
    await removeTempDirs();
  });

  async function startIdleDaemon(): Promise<{ daemon: TestDaemon; runners: number[] }> {
    const daemon = await TestDaemon.start(config, socket);
    const runners = (await daemon.waitUntilIdle()).jobs.map((job) => job.runnerPid as number);
    expect(fs.readFileSync(pidFile, 'utf8').trim()).to.equal(String(daemon.pid));
    return { daemon, runners };
  }

  /** A live process that is not the daemon (a pid the pid file may name after the daemon is gone). */
  async function startOtherProcess(): Promise<number> {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    others.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    return child.pid as number;
  }

  it('kills a hung daemon (SIGSTOP) found by its pid file: SIGTERM, SIGKILL after the stop timeout', async () => {
    const { daemon, runners } = await startIdleDaemon();
    process.kill(daemon.pid, 'SIGSTOP');

    const result = await runCli(['stop', '--force', '--config', config]);

    expect(result.exitCode, result.stderr).to.equal(ExitCode.ok);
    expect(result.stdout).to.include(`sync-daemon killed (pid ${daemon.pid})`);
    expect(result.stderr).to.include(`did not answer`);
    expect(result.stderr).to.include(`pid ${daemon.pid} from ${pidFile}`);
    expect(result.stderr).to.include('SIGTERM');
    expect(result.stderr).to.include('SIGKILL');
    expect(result.stderr).to.include(`removed the stale socket ${socket}`, result.stderr);
    expect(result.stderr).to.include(`removed the stale pid file ${pidFile}`, result.stderr);
    expect(await daemon.waitForExit()).to.equal(null);
    expect(daemon.child.signalCode).to.equal('SIGKILL');
    await waitFor(() => runners.every((pid) => !isAlive(pid)), { what: 'the runners to be gone' });
    expect(fs.existsSync(socket), 'socket removed').to.equal(false);
    expect(fs.readdirSync(path.join(dir, 'run'))).to.deep.equal([]);
    // Nothing stale is left for the next start.
    const status = await runCli(['status', '--config', config]);
    expect(status.exitCode).to.equal(ExitCode.notRunning);
  });

  it('stops a daemon whose socket file was removed with SIGTERM, gracefully, and says so in --json', async () => {
    const { daemon, runners } = await startIdleDaemon();
    fs.rmSync(socket);

    const result = await runCli(['stop', '--force', '--json', '--config', config]);

    expect(result.exitCode, result.stderr).to.equal(ExitCode.ok);
    const outcome = JSON.parse(result.stdout);
    expect(outcome).to.deep.include({ pid: daemon.pid, killed: false });
    expect(outcome.forced.pidFile).to.equal(pidFile);
    expect(outcome.forced.actions.join('\n')).to.include('SIGTERM');
    expect(await daemon.waitForExit()).to.equal(0);
    expect(daemon.logged('daemon stopped')).to.have.length(1);
    for (const pid of runners) expect(isAlive(pid)).to.equal(false);
    expect(fs.readdirSync(path.join(dir, 'run'))).to.deep.equal([]);
  });

  it('finds the pid file while the config has a job being edited (not valid): the daemon keys alone are read', async () => {
    const { daemon } = await startIdleDaemon();
    fs.rmSync(socket);
    fs.appendFileSync(config, '\n[[sync_jobs]]\nid = "half-written"\nsource_path = 5\n');

    const result = await runCli(['stop', '--force', '--config', config]);

    expect(result.exitCode, result.stderr).to.equal(ExitCode.ok);
    expect(result.stdout).to.include(`sync-daemon stopped (pid ${daemon.pid})`);
    expect(await daemon.waitForExit()).to.equal(0);
  });

  it('leaves `stop` without --force as it was: a daemon without its socket file is not running, and lives on', async () => {
    const { daemon } = await startIdleDaemon();
    fs.rmSync(socket);

    const result = await runCli(['stop', '--config', config]);

    expect(result.exitCode).to.equal(ExitCode.notRunning);
    expect(result.stderr).to.include(`no daemon is running on ${socket}`);
    expect(isAlive(daemon.pid)).to.equal(true);
    expect(fs.existsSync(pidFile)).to.equal(true);
  });

  it('says so, exit 3, when no daemon answers and there is no pid file', async () => {
    const result = await runCli(['stop', '--force', '--config', config]);

    expect(result.exitCode).to.equal(ExitCode.notRunning);
    expect(result.stderr).to.include(
      `no daemon is running on ${socket}, and there is no pid file at ${pidFile}`,
    );
  });

  it('kills nothing, exit 1, when a socket holder does not answer and there is no pid file', async () => {
    // Something listens on the socket and never answers: the pid file is all that could name a process.
    fs.mkdirSync(path.dirname(socket), { recursive: true });
    const held: net.Socket[] = [];
    const hung = net.createServer((connection) => held.push(connection));
    await new Promise<void>((resolve) => hung.listen(socket, resolve));
    try {
      const result = await runCli(['stop', '--force', '--json', '--config', config]);

      expect(result.exitCode).to.equal(ExitCode.failure);
      const { error } = JSON.parse(result.stdout);
      expect(error.code).to.equal('PID_FILE_MISSING');
      expect(error.message).to.include(`did not answer within`);
      expect(error.message).to.include(`there is no pid file at ${pidFile}`);
      expect(fs.existsSync(socket), 'a socket that is held stays').to.equal(true);
    } finally {
      for (const connection of held) connection.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('kills nothing, exit 1, when the pid file names the daemon of another socket', async () => {
    const { daemon } = await startIdleDaemon();
    const other = path.join(dir, 'run', 'other.sock');

    const result = await runCli(['stop', '--force', '--socket', other, '--config', config]);

    expect(result.exitCode).to.equal(ExitCode.failure);
    expect(result.stderr).to.include(`names pid ${daemon.pid}, the daemon of another socket (${socket})`);
    expect(result.stderr).to.include(`sync-daemon stop --force --socket ${socket}`);
    expect(isAlive(daemon.pid)).to.equal(true);
  });

  it('removes a stale pid file, exit 3: its pid is gone', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.writeFileSync(pidFile, `${dead.pid}\n`);

    const result = await runCli(['stop', '--force', '--json', '--config', config]);

    expect(result.exitCode).to.equal(ExitCode.notRunning);
    const { error } = JSON.parse(result.stdout);
    expect(error.code).to.equal('PID_FILE_STALE');
    expect(error.message).to.include(`pid ${dead.pid}, which is not running`);
    expect(error.message).to.include(`nothing was killed; removed the stale pid file ${pidFile}`);
    expect(fs.existsSync(pidFile)).to.equal(false);
  });

  it('kills nothing when the pid file names a process it cannot tell to be the daemon, exit 1', async () => {
    const other = await startOtherProcess();
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.writeFileSync(pidFile, `${other}\n`);

    const result = await runCli(['stop', '--force', '--json', '--config', config]);

    expect(result.exitCode).to.equal(ExitCode.failure);
    const { error } = JSON.parse(result.stdout);
    expect(error.code).to.equal('PID_NOT_DAEMON');
    expect(error.message).to.include(`pid ${other}`);
    expect(error.message).to.include('nothing was killed');
    expect(isAlive(other)).to.equal(true);
    expect(fs.existsSync(pidFile)).to.equal(true);
  });

  it('kills nothing when the pid was reused: the process started after the daemon that wrote the pid file', async () => {
    const { daemon } = await startIdleDaemon();
    const record = fs.readFileSync(`${pidFile}.json`, 'utf8');
    // The daemon dies without cleaning up; another process now holds a pid the files name.
    process.kill(daemon.pid, 'SIGKILL');
    await daemon.waitForExit();
    const other = await startOtherProcess();
    fs.writeFileSync(pidFile, `${other}\n`);
    fs.writeFileSync(`${pidFile}.json`, JSON.stringify({ ...JSON.parse(record), pid: other }));

    const result = await runCli(['stop', '--force', '--json', '--config', config]);

    expect(result.exitCode).to.equal(ExitCode.notRunning);
    const { error } = JSON.parse(result.stdout);
    expect(error.code).to.equal('PID_FILE_STALE');
    expect(error.message).to.include(`pid ${other}, which is now another process`);
    expect(isAlive(other)).to.equal(true);
    expect(fs.existsSync(pidFile)).to.equal(false);
    expect(fs.existsSync(socket), 'the stale socket removed').to.equal(false);
  });
});
