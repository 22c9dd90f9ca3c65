import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { runSync } from '../../src/engine/run-sync.js';
import { makeSyncRequest, setMtime, waitPastRacyWindow } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Review of the install split (entry-installs): what fails after a small file's install is that file's error.
describe('engine review: after a batch of small installs', () => {
  afterEach(async () => {
    sinon.restore();
    await removeTempDirs();
  });

  it('ends the run when a copy is gone before its hash is remembered (checksum): the next run looks again', async function () {
    this.timeout(10_000);
    const { source, destination } = await makeSyncTrees(['source', 'destination']);
    await writeTree(source, { 'f.txt': 'new content' });
    await writeTree(destination, { 'f.txt': 'old content' });
    // Same size and mtime: only the checksum tells them apart, so the source is hashed in this run.
    setMtime(path.join(destination, 'f.txt'), fs.statSync(path.join(source, 'f.txt')).mtimeMs);
    // Changed longer ago than the racy window, or the source's hash would not be trusted for its copy at all.
    await waitPastRacyWindow(source, destination);
    const target = path.join(destination, 'f.txt');
    // Another process removes the copy as soon as it is in place (the stat that follows meets ENOENT).
    const lstat = fs.lstatSync;
    let removedSeen = false;
    sinon.stub(fs, 'lstatSync').callsFake(((file: fs.PathLike, options?: fs.StatSyncOptions) => {
      if (file === target && fs.readFileSync(target, 'utf8') === 'new content') {
        removedSeen = true;
        throw Object.assign(new Error(`ENOENT: no such file or directory, lstat '${target}'`), {
          code: 'ENOENT',
        });
      }
      return lstat(file, options);
    }) as typeof fs.lstatSync);

    const result = await runSync(makeSyncRequest(source, destination, { comparison: 'checksum' }));

    expect(result.errors).to.deep.equal([]);
    expect(result.stats.updated).to.equal(1);
    expect(removedSeen, 'the copy was looked at after its install').to.equal(true);
  });
});
