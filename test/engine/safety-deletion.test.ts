import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { listTree, makeSyncRequest, setMtime, syncAndCollect } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Issue 8, items 1 and 2: the guards of the deletion phase hold on every path that deletes.
describe('engine safety: what may be deleted', () => {
  let dir: string;
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ dir, source, destination } = await makeSyncTrees(['source']));
  });
  afterEach(removeTempDirs);

  const MIRRORED = { 'a.txt': 'a', 'docs/b.txt': 'b', 'docs/deep/c.txt': 'c' };

  describe('a source with nothing to mirror', () => {
    it('deletes nothing when the source holds only an empty lost+found (a fresh drive)', async () => {
      fs.mkdirSync(path.join(source, 'lost+found'));
      await writeTree(destination, MIRRORED);

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.stats.deleted).to.equal(0);
      expect(result.errors).to.have.length(1);
      expect(result.errors[0]).to.include({ path: '', code: 'SOURCE_EMPTY' });
      expect(result.errors[0]?.message).to.include(source).and.include('no file or symlink');
      expect(listTree(destination)).to.include.members(['a.txt', 'docs/b.txt', 'docs/deep/c.txt']);
    });

    it('deletes nothing when everything in the source is excluded (only a .git folder)', async () => {
      await writeTree(source, { '.git/HEAD': 'ref', '.git/objects/ab': 'blob' });
      await writeTree(destination, MIRRORED);

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, filters: ['.git/'] }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors.map((error) => error.code)).to.deep.equal(['SOURCE_EMPTY']);
      expect(listTree(destination)).to.deep.equal([
        'a.txt',
        'docs/',
        'docs/b.txt',
        'docs/deep/',
        'docs/deep/c.txt',
      ]);
    });

    it('still deletes once the source holds one file to mirror', async () => {
      await writeTree(source, { 'kept.txt': 'k' });
      await writeTree(destination, MIRRORED);

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true }),
      );

      expect(result.outcome).to.equal('ok');
      expect(result.stats.deleted).to.equal(3);
      expect(listTree(destination)).to.deep.equal(['kept.txt']);
    });
  });

  describe('the source marker (source_marker)', () => {
    it('deletes nothing while the marker file is missing from the source root, and names it', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      await writeTree(destination, { 'a.txt': 'a', 'extra.txt': 'x' });

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, sourceMarker: '.sync-source' }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors).to.have.length(1);
      expect(result.errors[0]).to.include({ code: 'SOURCE_MARKER_MISSING' });
      expect(result.errors[0]?.message).to.include(path.join(source, '.sync-source'));
      expect(listTree(destination)).to.include('extra.txt');
    });

    it('deletes once the marker is there', async () => {
      await writeTree(source, { 'a.txt': 'a', '.sync-source': '' });
      await writeTree(destination, { 'a.txt': 'a', 'extra.txt': 'x' });

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, sourceMarker: '.sync-source' }),
      );

      expect(result.outcome).to.equal('ok');
      expect(listTree(destination)).to.deep.equal(['.sync-source', 'a.txt']);
    });
  });

  describe('a destination folder where the source now has a file', () => {
    // The case: a folder of 3 files plus an excluded a.tmp, and a file of that name in the source.
    async function makeFolderBecomingFile(): Promise<void> {
      await writeTree(source, { other: 'other', f: 'now a file' });
      await writeTree(destination, { other: 'other', 'f/1.txt': '1', 'f/2.txt': '2', 'f/sub/3.txt': '3' });
      // Already mirrored: only `f` differs.
      setMtime(path.join(destination, 'other'), fs.statSync(path.join(source, 'other')).mtimeMs);
    }

    it('without deletions: fails that entry with a clear error and leaves the folder untouched', async () => {
      await makeFolderBecomingFile();
      await writeTree(destination, { 'f/a.tmp': 'excluded' });

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { filters: ['*.tmp'], maxDelete: 0 }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors).to.have.length(1);
      expect(result.errors[0]).to.include({ path: 'f', code: 'FOLDER_NOT_EMPTY' });
      expect(result.errors[0]?.message).to.include('cannot delete non-empty folder');
      expect(result.stats.deleted).to.equal(0);
      expect(listTree(destination)).to.deep.equal([
        'f/',
        'f/1.txt',
        'f/2.txt',
        'f/a.tmp',
        'f/sub/',
        'f/sub/3.txt',
        'other',
      ]);
    });

    it('replaces an empty folder without deletions: nothing is deleted', async () => {
      await writeTree(source, { f: 'now a file' });
      fs.mkdirSync(path.join(destination, 'f'), { recursive: true });

      const { result } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(result.outcome).to.equal('ok');
      expect(fs.readFileSync(path.join(destination, 'f'), 'utf8')).to.equal('now a file');
    });

    it('with deletions: counts its content against max_delete, and a refusal leaves it whole', async () => {
      await makeFolderBecomingFile();

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, maxDelete: 2 }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors.map((error) => [error.path, error.code])).to.deep.equal([
        ['', 'MAX_DELETE'],
        ['f', 'FOLDER_NOT_EMPTY'],
      ]);
      expect(result.stats.deleted).to.equal(0);
      expect(listTree(destination)).to.deep.equal([
        'f/',
        'f/1.txt',
        'f/2.txt',
        'f/sub/',
        'f/sub/3.txt',
        'other',
      ]);
    });

    it('with deletions and a trash: its content goes to the trash, is counted, and the file takes its place', async () => {
      await makeFolderBecomingFile();
      const trashDir = path.join(dir, 'trash');

      const { result, plan } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, trashDir }),
      );

      expect(result.errors).to.deep.equal([]);
      expect(result.outcome).to.equal('ok');
      expect(result.stats).to.include({ deleted: 3, trashed: 3, updated: 1 });
      expect(fs.readFileSync(path.join(destination, 'f'), 'utf8')).to.equal('now a file');
      const [runFolder] = fs.readdirSync(trashDir);
      expect(listTree(path.join(trashDir, runFolder ?? ''))).to.deep.equal([
        'f/',
        'f/1.txt',
        'f/2.txt',
        'f/sub/',
        'f/sub/3.txt',
      ]);
      const actions = plan.map((entry) => `${entry.action} ${entry.path}`);
      expect(actions).to.include('delete f/1.txt');
      expect(plan).to.deep.include({
        action: 'delete',
        path: 'f',
        kind: 'dir',
        reason: 'a file or symlink replaces it',
      });
    });

    it('with deletions: never removes an excluded entry; the folder stays and that entry fails', async () => {
      await makeFolderBecomingFile();
      await writeTree(destination, { 'f/a.tmp': 'excluded' });

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, filters: ['*.tmp'] }),
      );

      expect(result.outcome).to.equal('partial');
      expect(result.errors).to.have.length(1);
      expect(result.errors[0]).to.include({ path: 'f', code: 'FOLDER_NOT_EMPTY' });
      expect(result.errors[0]?.message).to.include('excluded');
      expect(result.stats.deleted).to.equal(3);
      expect(listTree(destination)).to.deep.equal(['f/', 'f/a.tmp', 'other']);
    });

    it('with deletions, a symlink replaces a folder the same way', async () => {
      await writeTree(source, { other: 'other' });
      fs.symlinkSync('other', path.join(source, 'f'));
      await writeTree(destination, { other: 'other', 'f/1.txt': '1' });

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true }),
      );

      expect(result.outcome).to.equal('ok');
      expect(result.stats.deleted).to.equal(1);
      expect(fs.readlinkSync(path.join(destination, 'f'))).to.equal('other');
    });
  });
});
