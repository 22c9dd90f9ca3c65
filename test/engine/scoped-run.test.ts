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

  describe('renames', () => {
    const inode = (relative: string) => fs.lstatSync(path.join(destination, relative)).ino;

    it('mirrors a renamed folder as one rename: the same inode in the destination, nothing copied', async () => {
      const before = inode('docs');
      const fileBefore = inode('docs/deep/three.txt');
      fs.renameSync(path.join(source, 'docs'), path.join(source, 'other/papers'));

      const result = await scoped(['docs', 'other/papers']);

      expect(result.outcome).to.equal('ok');
      expect(result.stats).to.include({ renamed: 1, copied: 0, deleted: 0 });
      expect(inode('other/papers')).to.equal(before);
      expect(inode('other/papers/deep/three.txt')).to.equal(fileBefore);
      expectSameTree(snapshotTree(destination), snapshotTree(source), { times: false });
    });

    it('mirrors a renamed file as a rename when it is the same size and time', async () => {
      const before = inode('a.txt');
      fs.renameSync(path.join(source, 'a.txt'), path.join(source, 'docs/a-moved.txt'));

      const result = await scoped(['a.txt', 'docs/a-moved.txt']);

      expect(result.stats).to.include({ renamed: 1, copied: 0 });
      expect(inode('docs/a-moved.txt')).to.equal(before);
      expectSameTree(snapshotTree(destination), snapshotTree(source), { times: false });
    });

    it('never pairs two files of the same size and time whose bytes differ', async () => {
      const time = fs.statSync(path.join(source, 'a.txt')).mtime;
      fs.rmSync(path.join(source, 'a.txt'));
      fs.writeFileSync(path.join(source, 'z.txt'), 'z');
      fs.utimesSync(path.join(source, 'z.txt'), time, time);

      const result = await scoped(['a.txt', 'z.txt']);

      expect(result.stats).to.include({ renamed: 0, copied: 1, deleted: 1 });
      expect(fs.readFileSync(path.join(destination, 'z.txt'), 'utf8')).to.equal('z');
    });

    it('renames no more files than max_delete, all renames together', async () => {
      fs.renameSync(path.join(source, 'docs'), path.join(source, 'papers'));
      fs.renameSync(path.join(source, 'other'), path.join(source, 'others'));

      // docs holds 3 files, other 1: with max_delete = 3, one of the two renames fits, not both.
      const result = await scoped(['docs', 'papers', 'other', 'others'], { maxDelete: 3 });

      expect(result.stats.renamed).to.equal(1);
    });

    it('renames nothing through a symlink in the destination', async () => {
      const outside = path.join(path.dirname(destination), 'outside');
      await writeTree(outside, { 'deep/three.txt': 'three' });
      fs.rmSync(path.join(destination, 'docs'), { recursive: true });
      fs.symlinkSync(outside, path.join(destination, 'docs'));
      fs.renameSync(path.join(source, 'docs/deep'), path.join(source, 'deeper'));

      const result = await scoped(['docs/deep', 'deeper']);

      expect(result.stats.renamed).to.equal(0);
      expect(fs.existsSync(path.join(outside, 'deep/three.txt'))).to.equal(true);
    });

    it('copies and deletes instead when unsure, or where a full run would not delete the old side', async () => {
      // Changed on the way: another size.
      fs.renameSync(path.join(source, 'a.txt'), path.join(source, 'b.txt'));
      fs.writeFileSync(path.join(source, 'b.txt'), 'b, not the same file');
      const changed = await scoped(['a.txt', 'b.txt']);
      expect(changed.stats).to.include({ renamed: 0, copied: 1, deleted: 1 });

      // max_delete below the moved folder's files: a full run would delete none of them.
      fs.renameSync(path.join(source, 'docs'), path.join(source, 'papers'));
      const limited = await scoped(['docs', 'papers'], { maxDelete: 2 });
      expect(limited.stats.renamed).to.equal(0);
      expect(limited.errors[0]?.code).to.equal('MAX_DELETE');
      expect(fs.existsSync(path.join(destination, 'docs/deep/three.txt'))).to.equal(true);

      // No deletions: the old side stays, so the new one is a copy.
      const kept = await scoped(['docs', 'papers'], { deleteExtraneous: false });
      expect(kept.stats.renamed).to.equal(0);
      expect(fs.existsSync(path.join(destination, 'docs/deep/three.txt'))).to.equal(true);
      expect(fs.existsSync(path.join(destination, 'papers/deep/three.txt'))).to.equal(true);
    });
  });
});
