import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chownTree, syncAsNobody } from '../helpers/sync-as-nobody.js';
import { listTree, makeSyncRequest } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Issue 8, items 4 and 5: permissions of folders never stop a run nor crash it. End to end: needs a build.
describe('engine safety: folder permissions (as an unprivileged user)', function () {
  this.slow(8000);
  let source: string;
  let destination: string;
  beforeEach(async () => {
    let dir: string;
    ({ dir, source, destination } = await makeSyncTrees(['source', 'destination']));
    fs.chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    // Root removes read-only and closed folders anyway; a user who is not root needs them open again.
    for (const root of [source, destination]) openFolders(root);
    await removeTempDirs();
  });

  function openFolders(root: string): void {
    if (!fs.existsSync(root)) return;
    fs.chmodSync(root, 0o755);
    for (const entry of fs.readdirSync(root, { withFileTypes: true }))
      if (entry.isDirectory()) openFolders(path.join(root, entry.name));
  }

  it('writes again into a mirror of a read-only folder (0555), and gives it the source mode back', async () => {
    await writeTree(source, { 'ro/a.txt': 'a', 'ro/old.txt': 'old' });
    fs.chmodSync(path.join(source, 'ro'), 0o555);
    chownTree(source);
    chownTree(destination);
    const request = makeSyncRequest(source, destination, { deleteExtraneous: true });

    const first = await syncAsNobody(request);
    expect(first.errors).to.deep.equal([]);
    expect(fs.statSync(path.join(destination, 'ro')).mode & 0o777).to.equal(0o555);
    // The source changes inside its read-only folder: one file new, one gone.
    fs.chmodSync(path.join(source, 'ro'), 0o755);
    fs.rmSync(path.join(source, 'ro', 'old.txt'));
    await writeTree(source, { 'ro/b.txt': 'b' });
    fs.chmodSync(path.join(source, 'ro'), 0o555);
    chownTree(source);

    const second = await syncAsNobody(request);

    expect(second.errors).to.deep.equal([]);
    expect(second.outcome).to.equal('ok');
    expect(second.stats).to.include({ copied: 1, deleted: 1 });
    expect(listTree(destination)).to.deep.equal(['ro/', 'ro/a.txt', 'ro/b.txt']);
    expect(fs.statSync(path.join(destination, 'ro')).mode & 0o777).to.equal(0o555);
  });

  it('gives a read-only mirror folder back its own mode when the run does not preserve permissions', async () => {
    await writeTree(source, { 'ro/new.txt': 'new' });
    fs.mkdirSync(path.join(destination, 'ro'));
    fs.chmodSync(path.join(destination, 'ro'), 0o500);
    chownTree(source);
    chownTree(destination);

    const result = await syncAsNobody(makeSyncRequest(source, destination, { preservePermissions: false }));

    expect(result.errors).to.deep.equal([]);
    expect(listTree(destination)).to.deep.equal(['ro/', 'ro/new.txt']);
    expect(fs.statSync(path.join(destination, 'ro')).mode & 0o777).to.equal(0o500);
  });

  it('reports a folder that can be read but not entered (0644) with its path, syncs the rest, deletes nothing', async () => {
    await writeTree(source, { 'a.txt': 'a', 'closed/secret.txt': 's', 'open/b.txt': 'b' });
    await writeTree(destination, { 'extra.txt': 'extra' });
    fs.chmodSync(path.join(source, 'closed'), 0o644);
    chownTree(source);
    chownTree(destination);

    const result = await syncAsNobody(makeSyncRequest(source, destination, { deleteExtraneous: true }));

    expect(result.outcome).to.equal('partial');
    expect(result.errors).to.deep.equal([{ path: 'closed', code: 'EACCES', message: 'permission denied' }]);
    expect(result.stats.deleted).to.equal(0);
    expect(listTree(destination)).to.include.members(['a.txt', 'open/b.txt', 'extra.txt']);
  });

  // The review of items 4 and 5: a mirror folder that its owner cannot enter.
  describe('a mirror folder the owner cannot enter', () => {
    /** A source folder `closed` (0755) and its mirror of `mode`, which holds an outdated file and an extraneous one. */
    async function makeClosedMirror(mode: number): Promise<void> {
      await writeTree(source, { 'closed/a.txt': 'new', 'b.txt': 'b' });
      await writeTree(destination, { 'closed/a.txt': 'old', 'closed/x.txt': 'extraneous' });
      // Same size as the source's: written in the same clock tick, both would have one time and look the same.
      const anHourAgo = new Date(Date.now() - 3_600_000);
      fs.utimesSync(path.join(destination, 'closed', 'a.txt'), anHourAgo, anHourAgo);
      chownTree(source);
      chownTree(destination);
      fs.chmodSync(path.join(destination, 'closed'), mode);
    }

    // rsync -a gives the folder its source's mode (0755); rsync --no-perms adds u+rwx to work in it and, the
    // folder having had write permission for its owner, leaves it so (0744): rsync 3.5, run as nobody.
    for (const [preservePermissions, modeAfter] of [
      [true, 0o755],
      [false, 0o744],
    ] as const) {
      it(`syncs and deletes in a mirror folder of mode 0644 in the same run (preserve_permissions = ${preservePermissions})`, async () => {
        await makeClosedMirror(0o644);
        const request = makeSyncRequest(source, destination, { deleteExtraneous: true, preservePermissions });

        const first = await syncAsNobody(request);

        expect(first.errors).to.deep.equal([]);
        expect(first.outcome).to.equal('ok');
        expect(first.stats).to.include({ copied: 1, updated: 1, deleted: 1 });
        expect(fs.readFileSync(path.join(destination, 'closed', 'a.txt'), 'utf8')).to.equal('new');
        expect(listTree(destination)).to.deep.equal(['b.txt', 'closed/', 'closed/a.txt']);
        expect(fs.statSync(path.join(destination, 'closed')).mode & 0o777).to.equal(modeAfter);
        // The folder can be entered now: the next run finds nothing to do.
        const second = await syncAsNobody(request);
        expect(second.errors).to.deep.equal([]);
        expect(second.stats).to.include({ copied: 0, updated: 0, deleted: 0 });
        expect(fs.statSync(path.join(destination, 'closed')).mode & 0o777).to.equal(modeAfter);
      });
    }

    it('gives a mirror folder that was read-only and closed (0444) its mode back after syncing in it, without preserve_permissions', async () => {
      await makeClosedMirror(0o444);
      const request = makeSyncRequest(source, destination, {
        deleteExtraneous: true,
        preservePermissions: false,
      });

      const result = await syncAsNobody(request);

      expect(result.errors).to.deep.equal([]);
      expect(listTree(destination)).to.deep.equal(['b.txt', 'closed/', 'closed/a.txt']);
      expect(fs.readFileSync(path.join(destination, 'closed', 'a.txt'), 'utf8')).to.equal('new');
      // As rsync --no-perms: a folder its owner could not write into gets its mode back, every run.
      expect(fs.statSync(path.join(destination, 'closed')).mode & 0o777).to.equal(0o444);
      const second = await syncAsNobody(request);
      expect(second.errors).to.deep.equal([]);
      expect(second.stats).to.include({ copied: 0, updated: 0, deleted: 0 });
    });

    it('a dry run reports a mirror folder of mode 0644 and changes nothing, as rsync --dry-run', async () => {
      await makeClosedMirror(0o644);

      const result = await syncAsNobody(
        makeSyncRequest(source, destination, {
          deleteExtraneous: true,
          preservePermissions: false,
          dryRun: true,
        }),
      );

      expect(result.errors.map(({ path, code }) => ({ path, code }))).to.deep.equal([
        { path: 'closed', code: 'EACCES' },
      ]);
      expect(fs.statSync(path.join(destination, 'closed')).mode & 0o777).to.equal(0o644);
    });

    it('reports a mirror folder of mode 0644 it may not change (another owner) and deletes nothing in that run', async function () {
      if (process.getuid?.() !== 0) this.skip();
      await makeClosedMirror(0o644);
      await writeTree(destination, { 'y.txt': 'extraneous' });
      chownTree(destination);
      fs.chownSync(path.join(destination, 'closed'), 0, 0);

      for (const preservePermissions of [true, false]) {
        const result = await syncAsNobody(
          makeSyncRequest(source, destination, { deleteExtraneous: true, preservePermissions }),
        );

        expect(result.errors[0]).to.include({ path: 'closed', code: 'EACCES' });
        // Giving it the source's times (and mode) fails too, EPERM: said after the listing's error, on that folder.
        expect(result.errors.map(({ path }) => path)).to.satisfy((paths: string[]) =>
          paths.every((path) => path === 'closed'),
        );
        expect(result.stats.deleted).to.equal(0);
        expect(listTree(destination)).to.include.members(['closed/', 'y.txt']);
        expect(fs.statSync(path.join(destination, 'closed')).mode & 0o777).to.equal(0o644);
      }
    });
  });
});
