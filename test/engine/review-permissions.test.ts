import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chownTree, syncAsNobody } from '../helpers/sync-as-nobody.js';
import { listTree, makeSyncRequest } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Review of issue 8, items 4 and 5: a mirror folder that cannot be entered, as an unprivileged user.
describe('engine review: destination folders the owner cannot enter (as an unprivileged user)', function () {
  this.slow(8000);
  let source: string;
  let destination: string;
  beforeEach(async () => {
    let dir: string;
    ({ dir, source, destination } = await makeSyncTrees(['source', 'destination']));
    fs.chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    for (const root of [source, destination]) {
      const folder = path.join(root, 'closed');
      if (fs.existsSync(folder)) fs.chmodSync(folder, 0o755);
    }
    await removeTempDirs();
  });

  it('reports a mirror folder of mode 0644 with content once, then the next run syncs and deletes in it', async () => {
    await writeTree(source, { 'closed/a.txt': 'new', 'b.txt': 'b' });
    await writeTree(destination, { 'closed/a.txt': 'old', 'closed/x.txt': 'extraneous' });
    // Same size as the source's: written in the same clock tick, both would have one time and look the same.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(path.join(destination, 'closed', 'a.txt'), anHourAgo, anHourAgo);
    chownTree(source);
    chownTree(destination);
    fs.chmodSync(path.join(destination, 'closed'), 0o644);

    const first = await syncAsNobody(makeSyncRequest(source, destination, { deleteExtraneous: true }));
    // Listed before any write: the folder's error, with its path, and nothing deleted; it gets the source's mode.
    expect(first.errors.map(({ path, code }) => ({ path, code }))).to.deep.equal([
      { path: 'closed', code: 'EACCES' },
    ]);
    expect(listTree(destination)).to.include('closed/x.txt');
    const result = await syncAsNobody(makeSyncRequest(source, destination, { deleteExtraneous: true }));

    expect(result.errors).to.deep.equal([]);
    expect(result.outcome).to.equal('ok');
    expect(fs.readFileSync(path.join(destination, 'closed', 'a.txt'), 'utf8')).to.equal('new');
    expect(listTree(destination)).to.deep.equal(['b.txt', 'closed/', 'closed/a.txt']);
    expect(fs.statSync(path.join(destination, 'closed')).mode & 0o777).to.equal(0o755);
  });
});
