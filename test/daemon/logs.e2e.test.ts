import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfigFile } from '../../src/config/load-config.js';
import type { RunnerProcess } from '../../src/supervisor/runner-handle.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { DaemonTelemetry } from '../../src/telemetry/daemon-telemetry.js';
import { FIXTURES, killTestDaemons, socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

function fileRecords(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logs (real daemon, real log file)', function () {
  this.slow(10_000);
  this.timeout(60_000);
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await killTestDaemons();
    await removeTempDirs();
  });

  it("writes every record, a runner's with its job and run id, to the log file; `logs` reads them back", async () => {
    const config = await writeDaemonConfig(dir, [{ id: 'docs' }, { id: 'photos' }]);
    const daemon = await TestDaemon.start(config, socketOf(dir));
    await daemon.waitUntilIdle();
    await daemon.call('trigger', { job: 'docs' });
    await waitFor(async () => (await daemon.job('docs')).lastRun !== undefined, { what: 'the run' });
    const logFile = path.join(dir, 'daemon.log');
    await waitFor(
      () => fileRecords(logFile).some((record) => record.msg === 'sync ok' && record.job === 'docs'),
      {
        what: 'the run in the log file',
      },
    );
    const fromRunner = fileRecords(logFile).find((record) =>
      String(record.msg).startsWith('sync started (full)'),
    );
    expect(fromRunner?.job).to.equal('docs');
    expect(fromRunner?.runId).to.match(/^docs-/);
    expect(fromRunner?.runnerTime, 'the runner’s own clock').to.be.a('string');
    // At debug, a record per file the run acted on, with its reason.
    const perFile = fileRecords(logFile).find((record) => String(record.msg).startsWith('copy a.txt: '));
    expect(perFile).to.include({ level: 20, job: 'docs', runId: fromRunner?.runId });

    const last = await runCli(['logs', '--config', config, '-n', '3', '--job', 'docs', '--json']);
    expect(last.exitCode, last.stderr).to.equal(0);
    const records = last.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).to.have.length(3);
    expect(records.every((record) => record.job === 'docs')).to.equal(true);
    const readable = await runCli(['logs', '--config', config, '--level', 'info', '-n', '50']);
    expect(readable.stdout).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO {2}docs: sync ok/m);
    expect(readable.stdout).to.not.match(/ DEBUG /);

    // Following: a record logged after it started reaches it.
    const follower = spawn(
      process.execPath,
      [CLI, 'logs', '--config', config, '-f', '-n', '0', '--job', 'photos'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let followed = '';
    follower.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      followed += chunk;
    });
    try {
      await waitFor(
        async () => {
          await daemon.call('trigger', { job: 'photos' }).catch(() => undefined);
          return /photos: sync ok/.test(followed);
        },
        { what: 'the followed record', timeoutMs: 20_000, intervalMs: 500 },
      );
    } finally {
      follower.kill('SIGINT');
    }
    // Ctrl-C ends a follower waiting on the daemon's long poll at once, not when the poll would end.
    const exited = new Promise((resolve) => follower.once('exit', resolve));
    await waitFor(() => follower.exitCode !== null || follower.signalCode !== null, {
      what: 'the follower to exit on SIGINT',
      timeoutMs: 5000,
    });
    await exited;
    expect(followed).to.not.include('docs:');

    await daemon.stop();
    const fromFile = await runCli(['logs', '--config', config, '-n', '1']);
    expect(fromFile.exitCode).to.equal(0);
    expect(fromFile.stderr).to.include(`no daemon is running: records from ${logFile}`);
    expect(fromFile.stdout).to.match(/INFO {2}daemon stopped/);
  });

  it('stops at once while a follower waits on it, and the follower waits for the next daemon', async () => {
    const config = await writeDaemonConfig(dir, [{ id: 'docs' }]);
    const daemon = await TestDaemon.start(config, socketOf(dir));
    await daemon.waitUntilIdle();
    // One error record (a refused reload), then none: the follower shows it, then waits on a long poll that no
    // record will answer.
    const good = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, `${good}\n[oops\n`);
    await daemon.call('reload').catch(() => undefined);
    fs.writeFileSync(config, good);
    const follower = spawn(
      process.execPath,
      [CLI, 'logs', '--config', config, '-f', '-n', '1', '--level', 'error'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let shown = '';
    let notes = '';
    follower.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      shown += chunk;
    });
    follower.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      notes += chunk;
    });
    try {
      await waitFor(() => shown.includes('reload rejected'), { what: 'the error record' });
      await daemon.call('stop');
      await waitFor(() => daemon.child.exitCode !== null, { what: 'the daemon to exit', timeoutMs: 10_000 });
      await waitFor(() => notes.includes('the daemon is not running; waiting for it'), {
        what: 'the follower to wait',
        timeoutMs: 10_000,
      });
      expect(follower.exitCode).to.equal(null);
    } finally {
      follower.kill('SIGINT');
    }
  });

  it('sends no record below the daemon’s level from a runner, and takes a new level at reload', async () => {
    const config = await writeDaemonConfig(dir, [{ id: 'docs' }]);
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace('log_level = "debug"', 'log_level = "info"'),
    );
    const daemon = await TestDaemon.start(config, socketOf(dir));
    await daemon.waitUntilIdle();
    await daemon.call('trigger', { job: 'docs' });
    await waitFor(async () => (await daemon.job('docs')).lastRun !== undefined, { what: 'the run' });
    expect(daemon.lines.filter((line) => (line.level as number) < 30)).to.deep.equal([]);
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace('log_level = "info"', 'log_level = "debug"'),
    );
    await daemon.call('reload');
    await daemon.waitUntilIdle();
    fs.writeFileSync(path.join(dir, 'docs', 'source', 'b.txt'), 'b');
    await daemon.call('trigger', { job: 'docs' });
    await waitFor(() => daemon.logged('copy b.txt: new file', 'docs').length === 1, {
      what: 'the per-file record',
    });
  });

  it('prefixes each stdout line with its syslog priority when stdout is the journal stream', async () => {
    const config = await writeDaemonConfig(dir, [{ id: 'docs' }]);
    const out = path.join(dir, 'journal.out');
    const fd = fs.openSync(out, 'w');
    const stats = fs.fstatSync(fd);
    const child = spawn(process.execPath, [CLI, 'start', '--foreground', '--config', config], {
      stdio: ['ignore', fd, 'pipe'],
      env: { ...process.env, JOURNAL_STREAM: `${stats.dev}:${stats.ino}` },
    });
    fs.closeSync(fd);
    try {
      await waitFor(() => fs.readFileSync(out, 'utf8').includes('daemon started'), {
        what: 'the daemon to start',
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(
      lines.every((line) => /^<[2-7]>\{/.test(line)),
      lines.join('\n'),
    ).to.equal(true);
    expect(lines.find((line) => line.includes('"msg":"daemon started"'))).to.match(/^<6>/);
    expect(lines.find((line) => line.includes('"msg":"runner starting"'))).to.match(/^<7>/);
  });

  it('keeps syncing when its log file cannot be written, and says so on stderr and in status', async () => {
    const blocked = path.join(dir, 'logs');
    fs.writeFileSync(blocked, 'a file where the log folder should be');
    const config = await writeDaemonConfig(dir, [{ id: 'docs' }]);
    const logFile = path.join(blocked, 'daemon.log');
    fs.writeFileSync(
      config,
      fs
        .readFileSync(config, 'utf8')
        .replace(`log_file = "${path.join(dir, 'daemon.log')}"`, `log_file = "${logFile}"`),
    );
    const daemon = await TestDaemon.start(config, socketOf(dir));
    await daemon.waitUntilIdle();
    await daemon.call('trigger', { job: 'docs' });
    await waitFor(async () => (await daemon.job('docs')).lastRun?.outcome === 'ok', { what: 'the run' });
    const status = await daemon.status();
    expect(status.logFile?.problem).to.include('cannot be written');
    expect(daemon.logged(/cannot be written/)).to.have.length(1);
    fs.rmSync(blocked);
    await waitFor(async () => (await daemon.status()).logFile?.problem === undefined, {
      what: 'the log file to be written again',
      timeoutMs: 15_000,
    });
    expect(
      fileRecords(logFile).some((record) => record.msg === 'sync ok'),
      'records held meanwhile',
    ).to.equal(true);
  });

  it("records a runner's crash: its stack trace line by line, and how it died", async () => {
    const config = await writeDaemonConfig(dir, [{ id: 'broken' }], {
      daemon: 'crashloop_after_crashes = 1',
    });
    const loaded = await loadConfigFile(config);
    const telemetry = new DaemonTelemetry(loaded.config, { console: false });
    const supervisor = new Supervisor({
      loaded,
      socketPath: socketOf(dir),
      lockDir: path.join(dir, 'locks'),
      version: 'test',
      logger: telemetry.logger,
      reloadConfig: () => loadConfigFile(config),
      spawnRunner: () =>
        fork(path.join(FIXTURES, 'throwing-runner.mjs'), [], {
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        }) as unknown as RunnerProcess,
    });
    supervisor.start();
    const logFile = path.join(dir, 'daemon.log');
    try {
      await waitFor(
        () => {
          telemetry.flush();
          const records = fileRecords(logFile);
          return (
            records.some((record) =>
              String(record.msg).includes('the runner of job broken exited with code 1'),
            ) && records.some((record) => String(record.msg).includes('at file://'))
          );
        },
        { what: 'the crash in the log file', timeoutMs: 15_000 },
      );
    } finally {
      await supervisor.shutdown();
      telemetry.close();
    }
    const records = fileRecords(logFile);
    const stack = records.filter((record) => record.stream === 'stderr' && record.job === 'broken');
    expect(
      stack.some((record) => String(record.msg).includes('Error: the runner broke on purpose')),
    ).to.equal(true);
    expect(stack.every((record) => record.level === 40)).to.equal(true);
    const died = records.find((record) => String(record.msg).includes('exited with code 1'));
    expect(died).to.include({ level: 50, job: 'broken', code: 1 });
  });
});
