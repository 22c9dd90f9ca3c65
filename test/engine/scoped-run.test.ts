import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import { expectSameTree, listTree, makeSyncRequest, snapshotTree } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Incremental runs (a watcher's changed paths, SyncRequest.paths): only the named paths, what lies under them and
// the folders on the way, under every rule of a full run.
describe('runSync of changed paths only', () => {
  let source: string;
  let destination: string;

  beforeEach(async () => {
    ({ source, destination } = await makeSyncTrees(['source']));
    await writeTree(source, {
      'a.txt': 'a',
      'docs/one.txt': 'one',
      'docs/two.txt': 'two',
      'docs/deep/three.txt': 'three',
      'other/four.txt': 'four',
    });
    await runSync(makeSyncRequest(source, destination, { deleteExtraneous: true }));
  });
  afterEach(removeTempDirs);

  const scoped = (paths: string[], overrides = {}) =>
    runSync(makeSyncRequest(source, destination, { deleteExtraneous: true, paths, ...overrides }));

  it('copies a changed file and leaves everything outside its paths alone', async () => {
    fs.writeFileSync(path.join(source, 'docs/one.txt'), 'one, changed');
    fs.writeFileSync(path.join(source, 'other/four.txt'), 'four, changed but not reported');
    fs.writeFileSync(path.join(destination, 'other/stray.txt'), 'extraneous, outside the paths');

    const result = await scoped(['docs/one.txt']);

    expect(result.outcome).to.equal('ok');
    expect(result.stats.updated).to.equal(1);
    expect(fs.readFileSync(path.join(destination, 'docs/one.txt'), 'utf8')).to.equal('one, changed');
    expect(fs.readFileSync(path.join(destination, 'other/four.txt'), 'utf8')).to.equal('four');
    expect(fs.existsSync(path.join(destination, 'other/stray.txt'))).to.equal(true);
  });

  it('deletes a removed path, and a whole folder gone from the source even if only part of it was named', async () => {
    fs.rmSync(path.join(source, 'a.txt'));
    fs.rmSync(path.join(source, 'docs'), { recursive: true });

    const result = await scoped(['a.txt', 'docs/deep/three.txt']);

    expect(result.outcome).to.equal('ok');
    expect(listTree(destination)).to.deep.equal(['other/', 'other/four.txt']);
  });

  it('syncs a changed folder as a subtree, and a new folder deep down with the folders on its way', async () => {
    await writeTree(source, { 'docs/deep/new.txt': 'new', 'fresh/sub/x.txt': 'x' });
    fs.writeFileSync(path.join(source, 'docs/deep/three.txt'), 'three, changed');

    const result = await scoped(['docs/deep', 'fresh/sub/x.txt']);

    expect(result.outcome).to.equal('ok');
    expectSameTree(snapshotTree(destination), snapshotTree(source), { times: false });
  });

  it('renames: both sides named, the old one deleted and the new one copied', async () => {
    fs.renameSync(path.join(source, 'docs'), path.join(source, 'papers'));

    const result = await scoped(['docs', 'papers']);

    expect(result.outcome).to.equal('ok');
    expectSameTree(snapshotTree(destination), snapshotTree(source), { times: false });
  });

  it('keeps the guards of a full run: max_delete, and nothing deleted from a source emptied of content', async () => {
    fs.rmSync(path.join(source, 'docs'), { recursive: true });
    const limited = await scoped(['docs'], { maxDelete: 1 });
    expect(limited.errors[0]?.code).to.equal('MAX_DELETE');
    expect(fs.existsSync(path.join(destination, 'docs/one.txt'))).to.equal(true);

    // Everything else goes too: the source holds no file any more, which only a look beyond the paths can tell.
    fs.rmSync(path.join(source, 'a.txt'));
    fs.rmSync(path.join(source, 'other'), { recursive: true });
    const emptied = await scoped(['docs', 'a.txt', 'other']);
    expect(emptied.errors[0]?.code).to.equal('SOURCE_EMPTY');
    expect(fs.existsSync(path.join(destination, 'a.txt'))).to.equal(true);
  });

  it('keeps the filters: an excluded path named as changed is neither copied nor deleted', async () => {
    await writeTree(source, { 'docs/build.log': 'log' });
    await writeTree(destination, { 'docs/old.log': 'kept: excluded' });

    const result = await scoped(['docs/build.log', 'docs/old.log'], { filters: ['*.log'] });

    expect(result.outcome).to.equal('ok');
    expect(fs.existsSync(path.join(destination, 'docs/build.log'))).to.equal(false);
    expect(fs.existsSync(path.join(destination, 'docs/old.log'))).to.equal(true);
  });
});
