import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { listingTestHooks } from '../../src/engine/listing-prefetcher.js';
import { readFolder } from '../../src/engine/read-folder.js';
import { runSync } from '../../src/engine/run-sync.js';
import { listTree, makeSyncRequest, syncAndCollect } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Issue 8, items 3, 6 and 7: what a listing says, and what the walk makes of it.
describe('engine safety: listings', () => {
  let dir: string;
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ dir, source, destination } = await makeSyncTrees(['source']));
  });
  afterEach(async () => {
    delete listingTestHooks.beforeListing;
    await removeTempDirs();
  });

  describe('a source folder that vanishes after its parent listed it', () => {
    it('readFolder reports a folder that is not there as an error, never as an empty folder', () => {
      const listing = readFolder(path.join(dir, 'not-there'));
      expect(listing).to.deep.equal({ status: 'error', code: 'ENOENT', message: 'vanished during the run' });
    });

    it('deletes nothing below it, and the run is partial', async () => {
      await writeTree(source, {
        'a.txt': 'a',
        'keep/b.txt': 'b',
        'keep/gone/c.txt': 'c',
        'keep/gone/d.txt': 'd',
      });
      await syncAndCollect(makeSyncRequest(source, destination));
      await writeTree(destination, { 'extra.txt': 'extra' });
      // Between the listing of keep/ (which names gone/) and the listing of gone/ itself.
      const vanishing = path.join(source, 'keep', 'gone');
      listingTestHooks.beforeListing = (absolutePath) => {
        if (absolutePath === vanishing) fs.renameSync(vanishing, path.join(dir, 'moved-away'));
      };

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors).to.deep.include({
        path: 'keep/gone',
        code: 'ENOENT',
        message: 'vanished during the run',
      });
      expect(result.stats.deleted).to.equal(0);
      expect(listTree(destination)).to.include.members(['keep/gone/c.txt', 'keep/gone/d.txt', 'extra.txt']);
    });
  });

  describe('the source root, checked again before the deletion phase', () => {
    it('deletes nothing when the root was replaced by another folder during the run', async () => {
      await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });
      await syncAndCollect(makeSyncRequest(source, destination));
      await writeTree(destination, { 'extra.txt': 'extra' });
      // Another folder with the same content takes the root's place (a share mounted anew), while sub/ is listed.
      listingTestHooks.beforeListing = (absolutePath) => {
        if (absolutePath !== path.join(source, 'sub')) return;
        fs.renameSync(source, path.join(dir, 'old-source'));
        fs.cpSync(path.join(dir, 'old-source'), source, { recursive: true, preserveTimestamps: true });
      };

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors.map((error) => error.code)).to.deep.equal(['SOURCE_CHANGED']);
      expect(result.errors[0]?.message).to.include(source);
      expect(listTree(destination)).to.include('extra.txt');
    });

    it('deletes nothing when the root was emptied during the run', async () => {
      await writeTree(source, { 'a.txt': 'a', 'b.txt': 'b' });
      await syncAndCollect(makeSyncRequest(source, destination));
      await writeTree(destination, { 'extra.txt': 'extra' });

      const result = await runSync(
        makeSyncRequest(source, destination, {
          deleteExtraneous: true,
          // Both files were seen (skips: already mirrored) when the source goes empty.
          onPlanEntry: (entry) => {
            if (entry.path !== 'b.txt') return;
            for (const name of ['a.txt', 'b.txt']) fs.rmSync(path.join(source, name));
          },
        }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors.map((error) => error.code)).to.deep.equal(['SOURCE_EMPTY']);
      expect(result.errors[0]?.message).to.include('became empty during the run');
      expect(listTree(destination)).to.include('extra.txt');
    });
  });

  describe('names that are not valid UTF-8', () => {
    it('reports each with its bytes escaped, never drops one silently; the run is partial', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      const bytes = (text: string, ...raw: number[]) => Buffer.concat([Buffer.from(text), Buffer.from(raw)]);
      fs.writeFileSync(
        Buffer.concat([Buffer.from(`${source}/`), Buffer.from([0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e])]),
        'x',
      );
      fs.mkdirSync(bytes(`${source}/dir-`, 0xff));
      fs.writeFileSync(Buffer.concat([bytes(`${source}/dir-`, 0xff), Buffer.from('/inside.txt')]), 'y');

      const { result } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(result.outcome).to.equal('partial');
      expect(result.errors.map((error) => [error.path, error.code]).sort()).to.deep.equal([
        ['\\xff\\xfe.bin', 'INVALID_NAME'],
        ['dir-\\xff', 'INVALID_NAME'],
      ]);
      expect(result.errors[0]?.message).to.include('not valid UTF-8');
      expect(listTree(destination)).to.deep.equal(['a.txt']);
    });

    it('copies a valid name that decodes like an invalid one once, not on every run', async () => {
      fs.writeFileSync(path.join(source, '\uFFFD.txt'), 'valid name');
      fs.writeFileSync(
        Buffer.concat([Buffer.from(`${source}/`), Buffer.from([0xff]), Buffer.from('.txt')]),
        'bad',
      );

      const first = await syncAndCollect(makeSyncRequest(source, destination));
      const second = await syncAndCollect(makeSyncRequest(source, destination));

      expect(first.result.stats.copied).to.equal(1);
      expect(fs.readFileSync(path.join(destination, '\uFFFD.txt'), 'utf8')).to.equal('valid name');
      expect(second.result.stats).to.include({ copied: 0, updated: 0, skipped: 1 });
      expect(second.result.errors.map((error) => error.path)).to.deep.equal(['\\xff.txt']);
    });
  });

  describe('dir-only filters, judged on each side by its own type', () => {
    it('deletes a destination file that a dir-only pattern names, as rsync -a --delete --exclude=cache/ does', async () => {
      await writeTree(source, { 'a.txt': 'a', 'cache/x': 'excluded folder content' });
      await writeTree(destination, { cache: 'a destination file of that name' });

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, filters: ['cache/'] }),
      );

      expect(result.outcome).to.equal('ok');
      expect(result.stats.deleted).to.equal(1);
      expect(listTree(destination)).to.deep.equal(['a.txt']);
    });

    it('keeps an excluded destination folder when the source has no such entry', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      await writeTree(destination, { 'cache/x': 'kept' });

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, filters: ['cache/'] }),
      );

      expect(result.outcome).to.equal('ok');
      expect(listTree(destination)).to.deep.equal(['a.txt', 'cache/', 'cache/x']);
    });
  });
});
