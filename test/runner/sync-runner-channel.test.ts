import path from 'node:path';
import { expect } from 'chai';
import type { RunnerToSupervisor } from '../../src/ipc/runner-protocol.js';
import { startSyncRunner } from '../../src/runner/sync-runner.js';
import { makeSyncRequest, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// The runner's logic on a channel of the test's own: what it does when its channel fails under it.
describe('the sync runner on a failing channel', () => {
  afterEach(removeTempDirs);

  it('leaves no promise rejected unhandled when its result cannot be sent', async () => {
    const dir = await makeTempDir();
    await writeTree(path.join(dir, 'source'), { 'a.txt': 'alpha' });
    const { dryRun: _dryRun, ...request } = makeSyncRequest(
      path.join(dir, 'source'),
      path.join(dir, 'mirror'),
    );
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      let deliver: (message: unknown) => void = () => undefined;
      let resultTried = false;
      startSyncRunner(
        { id: 'job', lockDir: path.join(dir, 'locks'), watchers: [], logLevel: 'debug', ...request },
        {
          send: (message: RunnerToSupervisor) => {
            if (message.type !== 'result') return;
            resultTried = true;
            throw new Error('channel closed');
          },
          onMessage: (listener) => {
            deliver = listener;
          },
          onDisconnect: () => undefined,
          exit: () => undefined,
        },
      );
      deliver({ type: 'sync', runId: 'r1', mode: 'full' });
      await waitFor(() => resultTried, { what: 'the result to be sent', timeoutMs: 10_000 });
      // A rejection nobody handles is reported once the microtasks have run: a turn of the event loop later.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
