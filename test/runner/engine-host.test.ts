import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { EngineHost } from '../../src/runner/engine-host.js';
import { FIXTURES } from '../helpers/daemon.js';
import { makeSyncRequest, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

/** A one-file source to mirror, and the options of a run that nobody aborts or watches. */
async function oneFileRun(dir: string) {
  const { signal: _signal, ...request } = makeSyncRequest(path.join(dir, 'source'), path.join(dir, 'mirror'));
  await writeTree(request.source, { 'a.txt': 'a' });
  const run = {
    signal: new AbortController().signal,
    onProgress: () => undefined,
    onWarning: () => undefined,
    collectPlan: false,
  };
  return { request, run };
}

describe('the engine host', () => {
  afterEach(removeTempDirs);

  it("fails the run with the engine thread's own error, not just its exit code", async () => {
    const dir = await makeTempDir();
    const host = new EngineHost(() => new Worker(path.join(FIXTURES, 'throwing-engine-thread.mjs')));
    const { signal: _signal, ...request } = makeSyncRequest(
      path.join(dir, 'source'),
      path.join(dir, 'mirror'),
    );
    const { result } = await host.run(request, {
      signal: new AbortController().signal,
      onProgress: () => undefined,
      onWarning: () => undefined,
      collectPlan: false,
    });
    expect(result.outcome).to.equal('failed');
    expect(result.errors[0]?.code).to.equal('ENGINE_CRASH');
    expect(result.errors[0]?.message).to.include('disk on fire');
  });

  it("ends its idle thread even when in-line runs (a watcher's) come after the last run on it", async () => {
    const dir = await makeTempDir();
    let threadExited = false;
    const host = new EngineHost(() => {
      const worker = new Worker(new URL('../../dist/runner/engine-thread.js', import.meta.url));
      worker.once('exit', () => {
        threadExited = true;
      });
      return worker;
    }, 200);
    const { request, run } = await oneFileRun(dir);
    expect((await host.run(request, run)).result.outcome).to.equal('ok');
    expect(
      (await host.run({ ...request, paths: ['a.txt'] }, { ...run, inline: true })).result.outcome,
    ).to.equal('ok');
    await waitFor(() => threadExited, { what: 'the idle engine thread to end', timeoutMs: 5000 });
  });

  it('starts its thread ahead of a run when warmed up, runs on that thread, and ends it if no run comes', async () => {
    const dir = await makeTempDir();
    const started: Worker[] = [];
    let exited = 0;
    const host = new EngineHost(() => {
      const worker = new Worker(new URL('../../dist/runner/engine-thread.js', import.meta.url));
      worker.once('exit', () => {
        exited++;
      });
      started.push(worker);
      return worker;
    }, 200);
    const { request, run } = await oneFileRun(dir);
    host.warmUp();
    host.warmUp();
    expect(started).to.have.length(1);
    expect((await host.run(request, run)).result.outcome).to.equal('ok');
    expect(started, 'the run found the warm thread').to.have.length(1);
    await waitFor(() => exited === 1, { what: 'the idle engine thread to end', timeoutMs: 5000 });
    host.warmUp();
    expect(started).to.have.length(2);
    await waitFor(() => exited === 2, { what: 'the unused warm thread to end', timeoutMs: 5000 });
  });
});
