import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isTempName } from '../../src/engine/temp-names.js';
import { RUNNER_JOB_ENV, type RunnerJob } from '../../src/ipc/runner-job.js';
import { parseRunnerMessage, type RunnerToSupervisor } from '../../src/ipc/runner-protocol.js';
import { cliRootForOtherUsers } from '../helpers/cli-for-other-users.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { RunGate } from '../helpers/run-gate.js';
import { listTree, makeSyncRequest, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// End to end: the real runner entry point (runners/sync-runner.js, on the built dist/) in a forked process.
const RUNNER = path.join(PROJECT_ROOT, 'runners', 'sync-runner.js');
const DEADLINE_MS = 10_000;

class RunnerUnderTest {
  readonly messages: RunnerToSupervisor[] = [];
  readonly invalid: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (value) => {
      const parsed = parseRunnerMessage(value);
      if (parsed.ok) this.messages.push(parsed.message);
      else this.invalid.push(parsed.error);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Waits, with a deadline, for a message that matches. */
  async waitFor<T extends RunnerToSupervisor['type']>(
    type: T,
    matches: (message: Extract<RunnerToSupervisor, { type: T }>) => boolean = () => true,
  ): Promise<Extract<RunnerToSupervisor, { type: T }>> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const found = this.messages.find(
        (message): message is Extract<RunnerToSupervisor, { type: T }> =>
          message.type === type && matches(message as Extract<RunnerToSupervisor, { type: T }>),
      );
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no "${type}" message within ${DEADLINE_MS} ms; got ${JSON.stringify(this.messages)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  logText(): string {
    return this.messages
      .flatMap((message) => (message.type === 'log' ? message.records.map((record) => record.msg) : []))
      .join('\n');
  }
}

function jobFor(source: string, destination: string): RunnerJob {
  const { dryRun: _dryRun, ...request } = makeSyncRequest(source, destination);
  return {
    id: 'test-job',
    lockDir: path.join(path.dirname(destination), 'locks'),
    watchers: [],
    logLevel: 'debug',
    ...request,
  };
}

describe('the sync runner process', function () {
  this.slow(3000);
  let dir: string;
  let runner: RunnerUnderTest | undefined;

  beforeEach(async () => {
    dir = await makeTempDir();
    await writeTree(path.join(dir, 'source'), { 'a.txt': 'alpha', 'folder/b.txt': 'beta' });
  });

  afterEach(async () => {
    if (runner && runner.child.exitCode === null && runner.child.signalCode === null) {
      runner.child.kill('SIGKILL');
      await runner.exited;
    }
    runner = undefined;
    await removeTempDirs();
  });

  function start(
    job = jobFor(path.join(dir, 'source'), path.join(dir, 'mirror')),
    env: Record<string, string> = {},
    execArgv: string[] = [],
    user: { uid?: number; gid?: number } = {},
  ): RunnerUnderTest {
    // Another user cannot reach a checkout in a private folder: it runs the copy made for other users, from /.
    const asOther = user.uid !== undefined;
    const runnerPath = asOther
      ? path.join(cliRootForOtherUsers(PROJECT_ROOT), 'runners', 'sync-runner.js')
      : RUNNER;
    const child = fork(runnerPath, [], {
      execArgv,
      ...user,
      ...(asOther ? { cwd: '/' } : {}),
      env: { ...process.env, ...env, [RUNNER_JOB_ENV]: JSON.stringify(job) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    runner = new RunnerUnderTest(child);
    return runner;
  }

  it('says it is ready, syncs when told, and reports progress and a typed result', async () => {
    const child = start();
    await child.waitFor('ready');
    child.child.send({ type: 'sync', runId: 'run-1', mode: 'full' });
    const result = await child.waitFor('result', (message) => message.runId === 'run-1');
    expect(result.outcome).to.equal('ok');
    expect(result.stats).to.include({ copied: 2 });
    expect(fs.readFileSync(path.join(dir, 'mirror', 'folder', 'b.txt'), 'utf8')).to.equal('beta');
    expect(child.invalid).to.deep.equal([]);
    await child.waitFor('log', (message) =>
      message.records.some((record) => record.msg.startsWith('sync ok')),
    );
  });

  it('runs a dry run without writing', async () => {
    const child = start();
    await child.waitFor('ready');
    child.child.send({ type: 'sync', runId: 'dry', mode: 'full', dryRun: true });
    const result = await child.waitFor('result');
    expect(result.outcome).to.equal('ok');
    expect(fs.existsSync(path.join(dir, 'mirror'))).to.equal(false);
  });

  it('logs and drops malformed messages, then still works', async () => {
    const child = start();
    await child.waitFor('ready');
    child.child.send({ type: 'explode' });
    child.child.send({ type: 'sync', runId: '', mode: 'full' });
    child.child.send('not an object');
    child.child.send({ type: 'sync', runId: 'after', mode: 'full' });
    const result = await child.waitFor('result', (message) => message.runId === 'after');
    expect(result.outcome).to.equal('ok');
    const logs = child.logText();
    expect(logs).to.include('expected a message of type "sync" or "stop"');
    expect(logs).to.include('expected a sync with a runId');
    expect(logs).to.include('expected an object');
  });

  it('stops a run at a safe point when told to stop mid-run: a partial result, no temp file, exit 0', async () => {
    // A folder per file and one file operation at a time, so that the stop shows; the gate holds the run
    // after the first file.
    const files = Object.fromEntries(
      Array.from({ length: 30 }, (_, index) => [`d${index}/f.txt`, `${index}`]),
    );
    await writeTree(path.join(dir, 'source'), files);
    const gate = RunGate.make(dir);
    const job = { ...jobFor(path.join(dir, 'source'), path.join(dir, 'mirror')), maxFileOperations: 1 };
    const child = start(job, gate.env());
    await child.waitFor('ready');
    child.child.send({ type: 'sync', runId: 'held', mode: 'full' });
    expect(await gate.waitUntilHeld()).to.equal(child.child.pid);

    child.child.send({ type: 'stop' });
    // The run goes on only once the runner has the stop: otherwise a fast disk copies the rest first.
    await waitFor(() => child.logText().includes('stopping after the current file'), {
      what: 'the runner to take the stop',
    });
    gate.open();

    const result = await child.waitFor('result', (message) => message.runId === 'held');
    expect(result.outcome).to.equal('partial');
    expect(result.warnings.join('\n')).to.include('stopped before the end');
    expect(result.stats.copied, 'stopped before the end').to.be.within(1, 31);
    expect(await child.exited).to.equal(0);
    const mirrored = listTree(path.join(dir, 'mirror'));
    expect(mirrored.filter((entry) => !entry.endsWith('/'))).to.have.length(result.stats.copied);
    expect(mirrored.filter((entry) => isTempName(path.basename(entry)))).to.deep.equal([]);
    expect(child.logText()).to.include('stopping after the current file');
  });

  it('exits with 0 when told to stop while idle', async () => {
    const child = start();
    await child.waitFor('ready');
    child.child.send({ type: 'stop' });
    expect(await child.exited).to.equal(0);
  });

  it('exits by itself when the supervisor goes away', async () => {
    const child = start();
    await child.waitFor('ready');
    child.child.disconnect();
    expect(await child.exited).to.equal(0);
  });

  it('says once in its log that work runs in-line when threads cannot start, and still syncs', async () => {
    const child = start(undefined, {}, [
      '--require',
      path.join(PROJECT_ROOT, 'test', 'fixtures', 'no-threads.cjs'),
    ]);
    await child.waitFor('ready');
    for (const runId of ['run-1', 'run-2']) {
      child.child.send({ type: 'sync', runId, mode: 'full' });
      expect((await child.waitFor('result', (message) => message.runId === runId)).outcome).to.equal('ok');
    }
    expect(fs.readFileSync(path.join(dir, 'mirror', 'folder', 'b.txt'), 'utf8')).to.equal('beta');
    await child.waitFor('log', (message) =>
      message.records.some((record) => record.msg.startsWith('sync ok')),
    );
    const warnings = child.messages.flatMap((message) =>
      message.type === 'log' ? message.records.filter((record) => record.level === 'warn') : [],
    );
    const about = (what: string) => warnings.filter((record) => record.msg.includes(what));
    expect(about('the engine runs in-line'), child.logText()).to.have.length(1);
    expect(about('threads are disabled for this test')).to.not.be.empty;
    expect(about('folder listing')).to.have.length(1);
  });

  it('sends 20 errors, a folder it cannot list first, and the count of the others', async function () {
    if (process.getuid?.() !== 0) this.skip();
    // As an unprivileged user (root reads everything): 30 unreadable files, then an unreadable folder.
    const nobody = 65534;
    fs.chmodSync(dir, 0o777);
    const source = path.join(dir, 'many');
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`f${index}.txt`, 'x']));
    await writeTree(source, { ...files, 'zz-locked/inside.txt': 'x' });
    for (const name of Object.keys(files)) fs.chmodSync(path.join(source, name), 0o000);
    fs.chmodSync(path.join(source, 'zz-locked'), 0o000);
    const mirror = path.join(dir, 'many-mirror');
    fs.mkdirSync(mirror);
    fs.chownSync(mirror, nobody, nobody);
    fs.mkdirSync(path.join(dir, 'locks'));
    fs.chownSync(path.join(dir, 'locks'), nobody, nobody);
    const child = start(jobFor(source, mirror), {}, [], { uid: nobody, gid: nobody });
    await child.waitFor('ready');
    child.child.send({ type: 'sync', runId: 'run-1', mode: 'full' });
    const result = await child.waitFor('result');
    expect(result.outcome).to.equal('partial');
    expect(result.stats.errors).to.equal(31);
    expect(result.errors).to.have.length(20);
    expect(result.errors[0]).to.include({ path: 'zz-locked', code: 'EACCES' });
    // The 11 left out are told by the counts: stats.errors - errors.length.
  });

  it('refuses to start without a job, naming the variable', async () => {
    const child = fork(RUNNER, [], {
      env: { ...process.env, [RUNNER_JOB_ENV]: '' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.not.equal(0);
    expect(stderr).to.include(`${RUNNER_JOB_ENV} is not set`);
  });
});
