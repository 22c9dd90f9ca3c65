import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import { makeTempName } from '../../src/engine/temp-names.js';
import {
  expectSameTree,
  listTree,
  makeSyncRequest,
  snapshotTree,
  syncAndCollect,
} from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// Linux refuses a path of PATH_MAX (4096) bytes or more with ENAMETOOLONG, whoever asks: a per-file error
// that a test running as root can cause.
const PATH_MAX = 4096;

describe('runSync deletion', () => {
  let dir: string;
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ dir, source, destination } = await makeSyncTrees(['source']));
  });
  afterEach(removeTempDirs);

  it('keeps extraneous destination files without deleteExtraneous', async () => {
    await writeTree(source, { 'a.txt': 'a' });
    await writeTree(destination, { 'extra.txt': 'extra', 'extra-folder/x.txt': 'x' });

    const { result, plan } = await syncAndCollect(makeSyncRequest(source, destination));

    expect(result.stats.deleted).to.equal(0);
    expect(plan.filter((entry) => entry.action === 'delete')).to.deep.equal([]);
    expect(listTree(destination)).to.deep.equal([
      'a.txt',
      'extra-folder/',
      'extra-folder/x.txt',
      'extra.txt',
    ]);
  });

  it('deletes extraneous files and folders, after every copy', async () => {
    await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b', 'z/new.txt': 'new' });
    await writeTree(destination, {
      'extra.txt': 'extra',
      'sub/extra.txt': 'extra',
      'extra-folder/x.txt': 'x',
      'extra-folder/deeper/y.txt': 'y',
    });

    const { result, plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { deleteExtraneous: true }),
    );

    expect(result.outcome).to.equal('ok');
    expect(listTree(destination)).to.deep.equal(['a.txt', 'sub/', 'sub/b.txt', 'z/', 'z/new.txt']);
    expect(result.stats).to.include({ copied: 3, deleted: 4 });
    const actions = plan.map((entry) => entry.action);
    expect(actions.lastIndexOf('copy')).to.be.lessThan(actions.indexOf('delete'));
    const deletions = plan.filter((entry) => entry.action === 'delete').map((entry) => entry.path);
    expect(deletions).to.have.members([
      'extra.txt',
      'sub/extra.txt',
      'extra-folder/x.txt',
      'extra-folder/deeper/y.txt',
      'extra-folder/deeper',
      'extra-folder',
    ]);
    expect(deletions.indexOf('extra-folder/deeper/y.txt')).to.be.lessThan(
      deletions.indexOf('extra-folder/deeper'),
    );
    expect(deletions.indexOf('extra-folder/deeper')).to.be.lessThan(deletions.indexOf('extra-folder'));
  });

  it('deletes an extraneous symlink to a folder as a link, never what it points to', async () => {
    const outside = path.join(dir, 'outside');
    await writeTree(outside, { 'precious.txt': 'not part of the mirror' });
    await writeTree(source, { 'a.txt': 'a' });
    fs.mkdirSync(destination);
    fs.symlinkSync(outside, path.join(destination, 'link-to-folder'));

    const { result, plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { deleteExtraneous: true }),
    );

    expect(result.outcome).to.equal('ok');
    expect(plan).to.deep.include({
      action: 'delete',
      path: 'link-to-folder',
      kind: 'symlink',
      reason: 'not in the source',
    });
    expect(listTree(destination)).to.deep.equal(['a.txt']);
    expect(listTree(outside)).to.deep.equal(['precious.txt']);
  });

  it('keeps an extraneous folder that still holds excluded files', async () => {
    await writeTree(source, { 'a.txt': 'a' });
    await writeTree(destination, { 'old/notes.txt': 'gone', 'old/scratch.tmp': 'excluded, kept' });

    const { plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { deleteExtraneous: true, filters: ['*.tmp'] }),
    );

    expect(listTree(destination)).to.deep.equal(['a.txt', 'old/', 'old/scratch.tmp']);
    expect(plan.filter((entry) => entry.action === 'delete').map((entry) => entry.path)).to.deep.equal([
      'old/notes.txt',
    ]);
  });

  it('refuses to delete when the source root is empty and the destination is not', async () => {
    await writeTree(destination, { 'a.txt': 'a', 'sub/b.txt': 'b' });
    const before = listTree(destination);

    const result = await runSync(makeSyncRequest(source, destination, { deleteExtraneous: true }));

    expect(result.outcome).to.equal('partial');
    expect(result.errors.map((error) => error.code)).to.deep.equal(['SOURCE_EMPTY']);
    expect(result.stats.deleted).to.equal(0);
    expect(listTree(destination)).to.deep.equal(before);
  });

  it('takes a source holding only a temp file for empty', async () => {
    await writeTree(source, { [makeTempName()]: 'a half-written file' });
    await writeTree(destination, { 'a.txt': 'a' });

    const result = await runSync(makeSyncRequest(source, destination, { deleteExtraneous: true }));

    expect(result.errors.map((error) => error.code)).to.deep.equal(['SOURCE_EMPTY']);
    expect(listTree(destination)).to.deep.equal(['a.txt']);
  });

  it('fails without touching anything when the source root is missing', async () => {
    await writeTree(destination, { 'a.txt': 'a', 'sub/b.txt': 'b' });
    fs.rmdirSync(source);
    const before = snapshotTree(destination);

    const result = await runSync(makeSyncRequest(source, destination, { deleteExtraneous: true }));

    expect(result.outcome).to.equal('failed');
    expect(result.errors).to.have.length(1);
    expect(result.errors[0]).to.include({ code: 'SOURCE_MISSING' });
    expect(result.errors[0]?.message).to.include(source);
    expectSameTree(snapshotTree(destination), before);
  });

  it('creates no destination when the source root is missing', async () => {
    fs.rmdirSync(source);

    const result = await runSync(makeSyncRequest(source, destination));

    expect(result.outcome).to.equal('failed');
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('refuses a plan deleting more files than maxDelete, deleting nothing, but still copies', async () => {
    await writeTree(source, { 'keep.txt': 'keep', 'new.txt': 'new' });
    await writeTree(destination, {
      'keep.txt': 'old',
      'x1.txt': 'x',
      'x2.txt': 'x',
      'folder/x3.txt': 'x',
    });

    const { result, plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { deleteExtraneous: true, maxDelete: 2 }),
    );

    expect(result.outcome).to.equal('partial');
    expect(result.errors.map((error) => error.code)).to.deep.equal(['MAX_DELETE']);
    expect(result.errors[0]?.message).to.include('3 files');
    expect(result.stats).to.include({ copied: 1, updated: 1, deleted: 0 });
    expect(plan.filter((entry) => entry.action === 'delete')).to.deep.equal([]);
    expect(listTree(destination)).to.deep.equal([
      'folder/',
      'folder/x3.txt',
      'keep.txt',
      'new.txt',
      'x1.txt',
      'x2.txt',
    ]);
    expect(fs.readFileSync(path.join(destination, 'keep.txt'), 'utf8')).to.equal('keep');
  });

  it('deletes up to maxDelete files, folders not counted', async () => {
    await writeTree(source, { 'keep.txt': 'keep' });
    await writeTree(destination, { 'x1.txt': 'x', 'folder/sub/x2.txt': 'x' });

    const result = await runSync(
      makeSyncRequest(source, destination, { deleteExtraneous: true, maxDelete: 2 }),
    );

    expect(result.outcome).to.equal('ok');
    expect(result.stats.deleted).to.equal(2);
    expect(listTree(destination)).to.deep.equal(['keep.txt']);
  });

  /**
   * A destination root so deep that the source's `<long>/<long>` folder cannot be made below it (ENAMETOOLONG),
   * while `ok.txt` copies; the destination also holds files a successful run would delete.
   */
  async function makeTreesWithAFolderTooDeep(): Promise<{ deepDestination: string; tooDeep: string }> {
    const segment = 'd'.repeat(200);
    let deepDestination = destination;
    while (deepDestination.length < PATH_MAX - 450) deepDestination = path.join(deepDestination, segment);
    const longName = 'n'.repeat(250);
    await writeTree(source, { 'ok.txt': 'ok', [`${longName}/${longName}/file.txt`]: 'too deep' });
    await writeTree(deepDestination, { 'stale.txt': 'stale', 'stale-folder/x.txt': 'x' });
    return { deepDestination, tooDeep: `${longName}/${longName}` };
  }

  it('deletes nothing when a copy failed', async () => {
    const { deepDestination, tooDeep } = await makeTreesWithAFolderTooDeep();

    const result = await runSync(makeSyncRequest(source, deepDestination, { deleteExtraneous: true }));

    expect(result.outcome).to.equal('partial');
    expect(result.errors).to.deep.include({
      path: tooDeep,
      code: 'ENAMETOOLONG',
      message: 'name too long for the destination',
    });
    expect(result.warnings).to.include(
      '2 deletion(s) skipped because the run had errors; they run once a run succeeds',
    );
    expect(result.stats.deleted).to.equal(0);
    expect(listTree(deepDestination)).to.have.members([
      'ok.txt',
      'stale-folder/',
      'stale-folder/x.txt',
      'stale.txt',
      `${tooDeep.split('/')[0]}/`,
    ]);
  });

  // Suspected engine bug (see the report): the folder's error comes twice, once from mkdir and once from
  // fixing the folder's mode and times at the end, on a folder that was never made.
  it('reports a folder that could not be made once, not again when folders are finished', async () => {
    const { deepDestination, tooDeep } = await makeTreesWithAFolderTooDeep();

    const result = await runSync(makeSyncRequest(source, deepDestination));

    expect(result.errors).to.deep.equal([
      { path: tooDeep, code: 'ENAMETOOLONG', message: 'name too long for the destination' },
    ]);
  });
});
