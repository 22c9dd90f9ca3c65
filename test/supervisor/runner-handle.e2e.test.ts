import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { RunnerJob } from '../../src/ipc/runner-job.js';
import { forkSyncRunner, RUNNER_EXEC_ARGV } from '../../src/supervisor/fork-sync-runner.js';
import { isAlive } from '../../src/supervisor/pid-file.js';
import { RunnerHandle, type RunnerProcess } from '../../src/supervisor/runner-handle.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { makeSyncRequest, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Real processes: the built runner (runners/sync-runner.js) and a fixture that ignores polite stops.

describe('RunnerHandle with real processes', function () {
  this.slow(5000);
  let dir: string;
  let handle: RunnerHandle | undefined;

  beforeEach(async () => {
    dir = await makeTempDir();
  });

  afterEach(async () => {
    await handle?.stop();
    handle = undefined;
    await removeTempDirs();
  });

  it('restarts a runner killed with SIGKILL, which then syncs', async () => {
    await writeTree(path.join(dir, 'source'), { 'a.txt': 'alpha' });
    const { dryRun: _dryRun, ...request } = makeSyncRequest(
      path.join(dir, 'source'),
      path.join(dir, 'mirror'),
    );
    const job: RunnerJob = {
      id: 'job',
      lockDir: path.join(dir, 'locks'),
      watchers: [],
      logLevel: 'debug',
      ...request,
    };
    const results: string[] = [];
    handle = new RunnerHandle({ job, spawn: (runnerJob) => forkSyncRunner(runnerJob) });
    handle.on('message', (message) => {
      if (message.type === 'result') results.push(`${message.runId}:${message.outcome}`);
    });
    handle.start();
    await waitFor(() => handle?.state === 'idle', { what: 'the runner to be ready', timeoutMs: 10_000 });
    const firstPid = handle.pid as number;
    // Its V8 flags (a small young generation keeps its peak memory down).
    expect(fs.readFileSync(`/proc/${firstPid}/cmdline`, 'utf8').split('\0')).to.include.members([
      ...RUNNER_EXEC_ARGV,
    ]);
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => handle?.state === 'idle' && handle.pid !== firstPid, {
      what: 'a new runner to be ready',
      timeoutMs: 10_000,
    });
    expect(handle.restarts).to.equal(1);
    expect(handle.sync('after-restart', 'full')).to.equal(true);
    await waitFor(() => results.length > 0, { what: 'the run after the restart', timeoutMs: 10_000 });
    expect(results).to.deep.equal(['after-restart:ok']);
    expect(fs.readFileSync(path.join(dir, 'mirror', 'a.txt'), 'utf8')).to.equal('alpha');
  });

  it('kills the whole tree of a runner that ignores the stop message and SIGTERM', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    handle = new RunnerHandle({
      job: { id: 'stubborn' } as RunnerJob,
      spawn: () =>
        fork(path.join(PROJECT_ROOT, 'test', 'fixtures', 'stubborn-runner.mjs'), [], {
          env: { ...process.env, GRANDCHILD_PID_FILE: pidFile },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }) as unknown as RunnerProcess,
      stopTimeoutMs: 300,
    });
    handle.start();
    await waitFor(() => handle?.state === 'idle' && fs.existsSync(pidFile), {
      what: 'the stubborn runner',
      timeoutMs: 10_000,
    });
    const runnerPid = handle.pid as number;
    const grandchildPid = Number(fs.readFileSync(pidFile, 'utf8'));
    await handle.stop();
    expect(handle.state).to.equal('stopped');
    await waitFor(() => !isAlive(runnerPid) && !isAlive(grandchildPid), {
      what: 'the runner and its child to be gone',
      timeoutMs: 10_000,
    });
  });
});
