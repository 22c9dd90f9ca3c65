import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { readFolder } from '../../src/engine/read-folder.js';
import { runSync } from '../../src/engine/run-sync.js';
import { listingTestHooks } from '../../src/engine/tree-listers.js';
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
        // Listed on this thread, where the hook can act between two listings.
        makeSyncRequest(source, destination, { deleteExtraneous: true, listInline: true }),
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
        // Listed on this thread, where the hook can act between two listings.
        makeSyncRequest(source, destination, { deleteExtraneous: true, listInline: true }),
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
    // A path under `root` given as bytes: Node takes Buffer paths, and such names exist only as bytes.
    const bytePath = (root: string, ...parts: (string | number[])[]) =>
      Buffer.concat([
        Buffer.from(`${root}/`),
        ...parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))),
      ]);
    /** Every path of a tree as escaped bytes (\\xNN beyond ASCII), folders with a trailing "/". */
    const listBytes = (root: string): string[] => {
      const found: string[] = [];
      const visit = (folder: Buffer, shown: string) => {
        for (const entry of fs.readdirSync(folder, { withFileTypes: true, encoding: 'buffer' })) {
          const name = [...entry.name]
            .map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16)}`))
            .join('');
          const child = Buffer.concat([folder, Buffer.from('/'), entry.name]);
          found.push(entry.isDirectory() ? `${shown}${name}/` : `${shown}${name}`);
          if (entry.isDirectory()) visit(child, `${shown}${name}/`);
        }
      };
      visit(Buffer.from(root), '');
      return found.sort();
    };

    it('syncs them byte for byte, and a second run finds nothing to do', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      fs.writeFileSync(bytePath(source, [0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]), 'x');
      fs.mkdirSync(bytePath(source, 'dir-', [0xff]));
      fs.writeFileSync(bytePath(source, 'dir-', [0xff], '/inside-', [0xe9], '.txt'), 'y');
      fs.symlinkSync(bytePath(source, 'dir-', [0xff]), bytePath(source, 'link-', [0xfe]));

      const first = await syncAndCollect(makeSyncRequest(source, destination));
      const second = await syncAndCollect(makeSyncRequest(source, destination));

      expect(first.result.errors).to.deep.equal([]);
      expect(first.result.stats).to.include({ copied: 4, directoriesCreated: 2 });
      expect(listBytes(destination)).to.deep.equal(listBytes(source));
      expect(
        fs.readFileSync(bytePath(destination, 'dir-', [0xff], '/inside-', [0xe9], '.txt'), 'utf8'),
      ).to.equal('y');
      expect(fs.readlinkSync(bytePath(destination, 'link-', [0xfe]), { encoding: 'buffer' })).to.deep.equal(
        bytePath(source, 'dir-', [0xff]),
      );
      // Shown to a user with the bytes escaped.
      expect(first.plan.map((entry) => entry.path)).to.include.members([
        '\\xff\\xfe.bin',
        'dir-\\xff/inside-\\xe9.txt',
      ]);
      expect(second.result.outcome).to.equal('ok');
      expect(second.result.stats).to.include({ copied: 0, updated: 0, skipped: 4 });
    });

    it('keeps a valid name apart from an invalid one that reads alike, and settles', async () => {
      fs.writeFileSync(path.join(source, '\uFFFD.txt'), 'valid name');
      fs.writeFileSync(bytePath(source, [0xff], '.txt'), 'invalid name');

      const first = await syncAndCollect(makeSyncRequest(source, destination));
      const second = await syncAndCollect(makeSyncRequest(source, destination));

      expect(first.result.stats.copied).to.equal(2);
      expect(fs.readFileSync(path.join(destination, '\uFFFD.txt'), 'utf8')).to.equal('valid name');
      expect(fs.readFileSync(bytePath(destination, [0xff], '.txt'), 'utf8')).to.equal('invalid name');
      expect(second.result.outcome).to.equal('ok');
      expect(second.result.stats).to.include({ copied: 0, updated: 0, skipped: 2 });
    });

    // Pending: src/engine/metadata-cache.ts (another helper's file in issue 8) lstats the hashed path as a
    // string; it needs fsPath() from byte-names at its lstatSync calls. Until then such a file is reported
    // (ENOENT, partial) in a checksum run over an existing copy, never dropped silently.
    it('compares them by content in checksum mode, through the persistent cache', async () => {
      fs.writeFileSync(bytePath(source, [0xff], '.bin'), 'content');
      const request = makeSyncRequest(source, destination, {
        comparison: 'checksum',
        metadataCacheFile: path.join(dir, 'cache.json'),
      });

      await syncAndCollect(request);
      const second = await syncAndCollect(request);

      expect(second.result.errors).to.deep.equal([]);
      expect(second.result.stats).to.include({ copied: 0, updated: 0, skipped: 1 });
    });

    it('deletes an extraneous one, to the trash when there is one', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      fs.mkdirSync(destination);
      fs.mkdirSync(bytePath(destination, 'old-', [0xff]));
      fs.writeFileSync(bytePath(destination, 'old-', [0xff], '/', [0xfe]), 'gone');
      const trashDir = path.join(dir, 'trash');

      const { result } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true, trashDir }),
      );

      expect(result.errors).to.deep.equal([]);
      expect(result.stats.deleted).to.equal(1);
      expect(listBytes(destination)).to.deep.equal(['a.txt']);
      const [runFolder] = fs.readdirSync(trashDir);
      expect(listBytes(path.join(trashDir, runFolder ?? ''))).to.deep.equal([
        'old-\\xff/',
        'old-\\xff/\\xfe',
      ]);
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
