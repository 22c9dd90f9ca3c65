import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import { isTempName, makeTempName } from '../../src/engine/temp-names.js';
import {
  expectSameTree,
  listTree,
  makeSyncRequest,
  setMtime,
  snapshotTree,
  syncAndCollect,
} from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// On real temp trees: every test writes a source, runs the engine and reads the destination back.
describe('runSync', () => {
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ source, destination } = await makeSyncTrees(['source']));
  });
  afterEach(removeTempDirs);

  describe('initial copy', () => {
    it('copies files, nested and empty folders and awkward names, and counts what it did', async () => {
      const files = {
        'top.txt': 'top',
        'a b': 'space',
        'new\nline': 'newline',
        'q"uote\'': 'quotes',
        é日本: 'non-ASCII 日本語',
        'nested/deeper/leaf.txt': 'leaf',
        'é日本 folder/a b/"q\'\n.txt': 'awkward folder names',
      };
      await writeTree(source, files);
      fs.mkdirSync(path.join(source, 'empty'));
      fs.mkdirSync(path.join(source, 'nested', 'empty too'));

      const result = await runSync(makeSyncRequest(source, destination));

      expect(result.errors).to.deep.equal([]);
      expect(result.outcome).to.equal('ok');
      expectSameTree(snapshotTree(destination), snapshotTree(source));
      const bytes = Object.values(files).reduce((sum, content) => sum + Buffer.byteLength(content), 0);
      expect(result.stats).to.include({
        copied: 7,
        updated: 0,
        deleted: 0,
        // The destination root, nested, nested/deeper, nested/empty too, empty, é日本 folder, é日本 folder/a b.
        directoriesCreated: 7,
        bytesCopied: bytes,
        errors: 0,
      });
    });

    it('copies nothing on a second run over an unchanged tree', async () => {
      await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });
      await runSync(makeSyncRequest(source, destination));
      const before = snapshotTree(destination);

      const { result, plan } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(result.outcome).to.equal('ok');
      expect(result.stats).to.include({ copied: 0, updated: 0, directoriesCreated: 0, skipped: 2 });
      expect(plan.map((entry) => entry.action)).to.deep.equal(['skip', 'skip']);
      expectSameTree(snapshotTree(destination), before);
    });
  });

  describe('atomic writes', () => {
    it('leaves no temp file behind after copies and updates', async () => {
      await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });
      await runSync(makeSyncRequest(source, destination));
      await writeTree(source, { 'a.txt': 'a changed', 'sub/b.txt': 'b changed', 'sub/c.txt': 'c' });

      const result = await runSync(makeSyncRequest(source, destination));

      expect(result.stats).to.include({ copied: 1, updated: 2 });
      expect(listTree(destination).filter((relative) => /\.sync-daemon-/.test(relative))).to.deep.equal([]);
    });

    it('mirrors the same with fsync', async () => {
      await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });
      fs.symlinkSync('a.txt', path.join(source, 'link'));

      const result = await runSync(makeSyncRequest(source, destination, { fsync: true }));

      expect(result.errors).to.deep.equal([]);
      expectSameTree(snapshotTree(destination), snapshotTree(source));
    });

    it('removes a temp file left in the destination by an interrupted run', async () => {
      await writeTree(source, { 'sub/a.txt': 'a' });
      await runSync(makeSyncRequest(source, destination));
      const stale = makeTempName();
      expect(isTempName(stale)).to.equal(true);
      await writeTree(destination, { [stale]: 'half a file', [`sub/${stale}`]: 'half a file' });

      const result = await runSync(makeSyncRequest(source, destination));

      expect(result.outcome).to.equal('ok');
      expect(listTree(destination)).to.deep.equal(['sub/', 'sub/a.txt']);
    });

    it('keeps a stale temp file during a dry run', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      await runSync(makeSyncRequest(source, destination));
      const stale = makeTempName();
      await writeTree(destination, { [stale]: 'half a file' });

      await runSync(makeSyncRequest(source, destination, { dryRun: true }));

      expect(listTree(destination)).to.deep.equal(['a.txt', stale].sort());
    });

    it('never copies or counts a temp-named file of the source', async () => {
      const temp = makeTempName();
      await writeTree(source, { 'a.txt': 'a', [temp]: 'someone else is writing this' });

      const { result, plan } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(listTree(destination)).to.deep.equal(['a.txt']);
      expect(result.stats).to.include({ filesScanned: 1, copied: 1, skipped: 0, excluded: 0 });
      expect(plan.map((entry) => entry.path)).to.not.include(temp);
    });
  });

  describe('permissions and timestamps', () => {
    it('gives files and folders the source modes', async () => {
      await writeTree(source, { 'private/report.txt': 'r', 'script.sh': '#!/bin/sh\n' });
      fs.chmodSync(path.join(source, 'private', 'report.txt'), 0o640);
      fs.chmodSync(path.join(source, 'private'), 0o750);
      fs.chmodSync(path.join(source, 'script.sh'), 0o755);

      await runSync(makeSyncRequest(source, destination, { preserveTimestamps: false }));

      const modes = (root: string) =>
        ['private', 'private/report.txt', 'script.sh'].map((relative) =>
          (fs.statSync(path.join(root, relative)).mode & 0o7777).toString(8),
        );
      expect(modes(destination)).to.deep.equal(['750', '640', '755']);
    });

    it('fixes the mode of a destination file whose content is already right, without copying', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      await runSync(makeSyncRequest(source, destination));
      const inode = fs.statSync(path.join(destination, 'a.txt')).ino;
      fs.chmodSync(path.join(source, 'a.txt'), 0o600);

      const { plan } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(plan).to.deep.include({
        action: 'update',
        path: 'a.txt',
        kind: 'file',
        reason: 'same content; permissions differ',
        bytes: 0,
        metadataOnly: true,
      });
      const copy = fs.statSync(path.join(destination, 'a.txt'));
      expect(copy.mode & 0o7777).to.equal(0o600);
      expect(copy.ino, 'the file was fixed in place, not copied').to.equal(inode);
    });

    it('gives files, folders and symlinks the source modification times', async () => {
      await writeTree(source, { 'a.txt': 'a', 'sub/deep/b.txt': 'b' });
      fs.symlinkSync('a.txt', path.join(source, 'link'));
      // Times with sub-millisecond parts, different for every entry, folders set after their content.
      setMtime(path.join(source, 'a.txt'), 1_600_000_000_123.456);
      setMtime(path.join(source, 'link'), 1_600_000_100_987.654);
      setMtime(path.join(source, 'sub', 'deep', 'b.txt'), 1_500_000_000_001.5);
      setMtime(path.join(source, 'sub', 'deep'), 1_400_000_000_777.25);
      setMtime(path.join(source, 'sub'), 1_300_000_000_000.125);
      setMtime(source, 1_200_000_000_500.75);

      await runSync(makeSyncRequest(source, destination));

      expectSameTree(snapshotTree(destination), snapshotTree(source));
    });

    it('does not copy again, without preserved times, files it copied before', async () => {
      await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });
      setMtime(path.join(source, 'a.txt'), Date.now() - 3_600_000);
      const request = makeSyncRequest(source, destination, { preserveTimestamps: false });
      await runSync(request);
      expect(fs.statSync(path.join(destination, 'a.txt')).mtimeMs).to.be.greaterThan(
        fs.statSync(path.join(source, 'a.txt')).mtimeMs,
      );

      const { result, plan } = await syncAndCollect(request);

      expect(result.stats).to.include({ copied: 0, updated: 0, skipped: 2 });
      expect(plan.every((entry) => entry.action === 'skip')).to.equal(true);
    });

    it('copies a file changed after the last run even without preserved times', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      const request = makeSyncRequest(source, destination, { preserveTimestamps: false });
      await runSync(request);
      // Same size, and a modification time newer than the copy's.
      await writeTree(source, { 'a.txt': 'b' });
      setMtime(path.join(source, 'a.txt'), Date.now() + 60_000);

      const result = await runSync(request);

      expect(result.stats.updated).to.equal(1);
      expect(fs.readFileSync(path.join(destination, 'a.txt'), 'utf8')).to.equal('b');
    });
  });

  describe('symlinks, special files and type changes', () => {
    it('copies symlinks as links, never following them, dangling ones included', async () => {
      await writeTree(source, { 'folder/inside.txt': 'inside', 'file.txt': 'file' });
      fs.symlinkSync('folder', path.join(source, 'to-folder'));
      fs.symlinkSync('file.txt', path.join(source, 'to-file'));
      fs.symlinkSync('../nowhere/missing', path.join(source, 'dangling'));
      fs.symlinkSync('/etc', path.join(source, 'absolute'));

      const { result } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(result.outcome).to.equal('ok');
      for (const name of ['to-folder', 'to-file', 'dangling', 'absolute']) {
        const link = path.join(destination, name);
        expect(fs.lstatSync(link).isSymbolicLink(), name).to.equal(true);
        expect(fs.readlinkSync(link), name).to.equal(fs.readlinkSync(path.join(source, name)));
      }
      expect(listTree(destination)).to.deep.equal([
        'absolute',
        'dangling',
        'file.txt',
        'folder/',
        'folder/inside.txt',
        'to-file',
        'to-folder',
      ]);
      expect(result.stats).to.include({ copied: 6, bytesCopied: 'inside'.length + 'file'.length });
    });

    it('replaces a destination symlink to a folder by a folder, never touching what it points to', async () => {
      const outside = path.join(path.dirname(source), 'outside');
      await writeTree(outside, { 'precious.txt': 'not part of the mirror' });
      await writeTree(source, { 'docs/new.txt': 'new' });
      fs.mkdirSync(destination);
      fs.symlinkSync(outside, path.join(destination, 'docs'));

      const result = await runSync(makeSyncRequest(source, destination, { deleteExtraneous: true }));

      expect(result.outcome).to.equal('ok');
      expect(fs.lstatSync(path.join(destination, 'docs')).isDirectory()).to.equal(true);
      expect(listTree(destination)).to.deep.equal(['docs/', 'docs/new.txt']);
      expect(listTree(outside)).to.deep.equal(['precious.txt']);
    });

    it('updates a symlink whose target changed', async () => {
      fs.symlinkSync('old-target', path.join(source, 'link'));
      await runSync(makeSyncRequest(source, destination));
      fs.rmSync(path.join(source, 'link'));
      fs.symlinkSync('new-target', path.join(source, 'link'));

      const { plan } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(plan).to.deep.include({
        action: 'update',
        path: 'link',
        kind: 'symlink',
        reason: 'link target differs',
        bytes: 0,
      });
      expect(fs.readlinkSync(path.join(destination, 'link'))).to.equal('new-target');
    });

    it('skips a FIFO with a warning and still ends ok', async () => {
      await writeTree(source, { 'a.txt': 'a' });
      execFileSync('mkfifo', [path.join(source, 'pipe')]);

      const { result, plan } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(result.outcome).to.equal('ok');
      expect(listTree(destination)).to.deep.equal(['a.txt']);
      expect(plan).to.deep.include({
        action: 'skip',
        path: 'pipe',
        kind: 'special',
        reason: 'a socket, FIFO or device: only files, folders and symlinks are mirrored',
      });
      expect(result.warnings).to.have.length(1);
      expect(result.warnings[0]).to.match(/^pipe: skipped, /);
    });

    it('replaces a path whose type changed: file→folder, folder→file, file→symlink, symlink→file', async () => {
      await writeTree(destination, {
        'was-file': 'old file',
        'was-folder/inside.txt': 'old',
        'was-folder/sub/deeper.txt': 'old',
        'becomes-link': 'old file',
      });
      fs.symlinkSync('somewhere', path.join(destination, 'was-link'));
      await writeTree(source, {
        'was-file/now-inside.txt': 'new',
        'was-folder': 'now a file',
        'was-link': 'now a file',
      });
      fs.symlinkSync('was-folder', path.join(source, 'becomes-link'));

      // Replacing a folder deletes its content: only a run that may delete does (safety-replace.test.ts).
      const { result, plan } = await syncAndCollect(
        makeSyncRequest(source, destination, { deleteExtraneous: true }),
      );

      expect(result.errors).to.deep.equal([]);
      expect(result.outcome).to.equal('ok');
      expectSameTree(snapshotTree(destination), snapshotTree(source));
      const reasons = Object.fromEntries(
        plan
          .filter((entry) => entry.action !== 'delete')
          .map((entry) => [entry.path, `${entry.action}: ${entry.reason}`]),
      );
      expect(reasons).to.include({
        'was-file': 'mkdir: replaces a file',
        'was-folder': 'update: replaces a folder',
        'becomes-link': 'update: replaces a file',
        'was-link': 'update: replaces a symlink',
      });
    });
  });
});
