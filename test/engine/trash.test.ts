import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import { purgeTrash } from '../../src/engine/trash.js';
import {
  expectSameTree,
  listTree,
  makeSyncRequest,
  setMtime,
  snapshotTree,
  syncAndCollect,
} from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

const DAY_MS = 86_400_000;

/** A run folder name as trash.ts makes them, `<UTC time with - for : and .>-<6 hex digits>`, for any date. */
function runFolderName(date: Date): string {
  return `${date.toISOString().replace(/[:.]/g, '-')}-0a1b2c`;
}

describe('runSync trash', () => {
  let dir: string;
  let source: string;
  let destination: string;
  let trashDir: string;
  beforeEach(async () => {
    ({ dir, source, destination } = await makeSyncTrees());
    trashDir = path.join(dir, 'trash');
  });
  afterEach(removeTempDirs);

  /** The one run folder of the trash, as `relative path → content`. */
  function readOnlyRunFolder(): Record<string, string> {
    const runs = fs.readdirSync(trashDir);
    expect(runs).to.have.length(1);
    const runFolder = path.join(trashDir, runs[0] ?? '');
    return Object.fromEntries(
      listTree(runFolder)
        .filter((relative) => !relative.endsWith('/'))
        .map((relative) => [relative, fs.readFileSync(path.join(runFolder, relative), 'utf8')]),
    );
  }

  it('moves deleted and overwritten files to a run folder, under their relative paths', async () => {
    await writeTree(source, { 'same.txt': 'same', 'sub/changed.txt': 'new content' });
    await writeTree(destination, {
      'same.txt': 'same',
      'sub/changed.txt': 'old',
      'gone.txt': 'deleted content',
      'gone-folder/inside.txt': 'deleted too',
    });
    setMtime(path.join(destination, 'same.txt'), fs.statSync(path.join(source, 'same.txt')).mtimeMs);

    const before = Date.now();
    const { result } = await syncAndCollect(
      makeSyncRequest(source, destination, { deleteExtraneous: true, trashDir }),
    );

    expect(result.outcome).to.equal('ok');
    expect(result.stats).to.include({ updated: 1, deleted: 2, trashed: 3 });
    expect(listTree(destination)).to.deep.equal(['same.txt', 'sub/', 'sub/changed.txt']);
    expect(fs.readFileSync(path.join(destination, 'sub', 'changed.txt'), 'utf8')).to.equal('new content');
    expect(readOnlyRunFolder()).to.deep.equal({
      'gone.txt': 'deleted content',
      'gone-folder/inside.txt': 'deleted too',
      'sub/changed.txt': 'old',
    });
    const [run] = fs.readdirSync(trashDir);
    expect(run).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f]{6}$/);
    const stamp = (run ?? '').slice(0, 24).replace(/T(\d{2})-(\d{2})-(\d{2})-/, 'T$1:$2:$3.');
    expect(Date.parse(stamp)).to.be.within(before - 1000, Date.now());
  });

  it('keeps the old version of a file replaced by a folder or a symlink', async () => {
    await writeTree(source, { 'was-file/inside.txt': 'new' });
    fs.symlinkSync('was-file', path.join(source, 'was-also-file'));
    await writeTree(destination, { 'was-file': 'old file', 'was-also-file': 'another old file' });

    const result = await runSync(makeSyncRequest(source, destination, { trashDir }));

    expect(result.outcome).to.equal('ok');
    expect(readOnlyRunFolder()).to.deep.equal({
      'was-file': 'old file',
      'was-also-file': 'another old file',
    });
  });

  it('makes no run folder when nothing is deleted or overwritten', async () => {
    await writeTree(source, { 'a.txt': 'a' });

    await runSync(makeSyncRequest(source, destination, { deleteExtraneous: true, trashDir }));

    expect(fs.existsSync(trashDir) ? fs.readdirSync(trashDir) : []).to.deep.equal([]);
  });

  it('purges run folders older than the retention and leaves other names alone', async () => {
    await writeTree(source, { 'a.txt': 'a' });
    const now = Date.now();
    const old = runFolderName(new Date(now - 31 * DAY_MS));
    const recent = runFolderName(new Date(now - 29 * DAY_MS));
    const notOurs = ['2001-01-01', 'my-backups', `${old}-copy`];
    await writeTree(trashDir, {
      [`${old}/deleted.txt`]: 'old',
      [`${recent}/deleted.txt`]: 'recent',
      ...Object.fromEntries(notOurs.map((name) => [`${name}/file`, 'keep'])),
    });

    await runSync(makeSyncRequest(source, destination, { trashDir, trashRetentionDays: 30 }));

    expect(fs.readdirSync(trashDir).sort()).to.deep.equal([recent, ...notOurs].sort());
  });

  it('purgeTrash removes by age, counts what it removed, and tolerates a missing trash', async () => {
    const now = Date.UTC(2026, 0, 31, 12);
    const names = [0.5, 6.9, 7.1, 400].map((days) => runFolderName(new Date(now - days * DAY_MS)));
    for (const name of names) fs.mkdirSync(path.join(trashDir, name), { recursive: true });

    expect(await purgeTrash(trashDir, 7, { now })).to.equal(2);
    expect(fs.readdirSync(trashDir).sort()).to.deep.equal(names.slice(0, 2).sort());
    expect(await purgeTrash(path.join(dir, 'missing'), 7, { now })).to.equal(0);
  });

  it('neither deletes nor counts a trash inside the destination', async () => {
    const innerTrash = path.join(destination, '.trash');
    await writeTree(source, { 'a.txt': 'a', 'b.txt': 'b' });
    await runSync(makeSyncRequest(source, destination, { trashDir: innerTrash }));
    fs.rmSync(path.join(source, 'b.txt'));
    await runSync(makeSyncRequest(source, destination, { deleteExtraneous: true, trashDir: innerTrash }));
    expect(listTree(innerTrash).filter((relative) => relative.endsWith('/b.txt'))).to.have.length(1);

    fs.rmSync(path.join(source, 'a.txt'));
    await writeTree(source, { 'c.txt': 'c' });
    const { result, plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { deleteExtraneous: true, trashDir: innerTrash }),
    );

    expect(result.outcome).to.equal('ok');
    expect(plan.filter((entry) => entry.path.startsWith('.trash'))).to.deep.equal([]);
    expect(result.stats.deleted).to.equal(1);
    expect(listTree(destination).filter((relative) => !relative.startsWith('.trash'))).to.deep.equal([
      'c.txt',
    ]);
    const trashed = listTree(innerTrash).filter((relative) => !relative.endsWith('/'));
    expect(trashed.map((relative) => path.basename(relative)).sort()).to.deep.equal(['a.txt', 'b.txt']);
  });

  // Suspected engine bug (see the report): making the trash folder inside the destination moves the mtime of
  // the folder that holds it, which run-sync.ts does not count as touched, so its time is not set back.
  it('keeps folder times equal to the source when it makes a trash inside the destination', async () => {
    await writeTree(source, { 'sub/a.txt': 'a' });
    setMtime(source, 1_600_000_000_000);
    await runSync(makeSyncRequest(source, destination));
    // A change deep down: the source root keeps its time, and the mirror's root had it already.
    fs.writeFileSync(path.join(source, 'sub', 'a.txt'), 'changed');

    const result = await runSync(
      makeSyncRequest(source, destination, { trashDir: path.join(destination, '.trash') }),
    );

    expect(result.outcome).to.equal('ok');
    const mirrored = snapshotTree(destination);
    for (const relative of Object.keys(mirrored))
      if (relative.startsWith('.trash')) delete mirrored[relative];
    expectSameTree(mirrored, snapshotTree(source));
  });
});
