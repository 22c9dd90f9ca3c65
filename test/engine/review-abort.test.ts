import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import { makeSyncRequest } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Review of issue 8, item 4: a folder made writable for a run gets its mode back however the run ends.
describe('engine review: a run stopped half-way', () => {
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ source, destination } = await makeSyncTrees(['source', 'destination']));
  });
  afterEach(async () => {
    for (const root of [source, destination]) fs.chmodSync(path.join(root, 'ro'), 0o755);
    await removeTempDirs();
  });

  it('gives a read-only mirror folder its mode back when stopped after writing into it', async () => {
    await writeTree(source, { 'ro/new.txt': 'new', 'z/later.txt': 'later' });
    await writeTree(destination, { 'ro/old.txt': 'old' });
    // Without preserve_permissions no later run sets the folder's mode: this run must give it back.
    fs.chmodSync(path.join(destination, 'ro'), 0o555);
    const stop = new AbortController();

    const result = await runSync(
      makeSyncRequest(source, destination, {
        preservePermissions: false,
        signal: stop.signal,
        onPlanEntry: (entry) => {
          if (entry.path === 'ro/new.txt') stop.abort();
        },
      }),
    );

    expect(result.outcome).to.equal('partial');
    expect(fs.statSync(path.join(destination, 'ro')).mode & 0o777).to.equal(0o555);
  });
});
