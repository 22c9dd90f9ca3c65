import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { EngineHost } from '../../src/runner/engine-host.js';
import { FIXTURES } from '../helpers/daemon.js';
import { makeSyncRequest } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

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
});
