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
    for (const root of [source, destination]) {
      if (fs.existsSync(root)) fs.chmodSync(root, 0o755);
    }
    await removeTempDirs();
  });

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
});
