import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { SyncRequest, SyncResult } from '../../src/engine/types.js';
import { listTree, makeSyncRequest, syncAndCollect } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// What a result says, without what differs between any two runs.
function summary(result: SyncResult) {
  const { durationMs: _, ...stats } = result.stats;
  return { outcome: result.outcome, stats, errors: result.errors.map(({ path, code }) => ({ path, code })) };
}

// Review of issue 8, item 2: a dry run of a folder that a file replaces says what a real run would do.
describe('engine review: dry run of a folder that a file replaces', () => {
  afterEach(removeTempDirs);

  async function dryThenReal(
    source: Record<string, string>,
    destination: Record<string, string>,
    overrides: Partial<SyncRequest>,
  ) {
    const runs = [];
    for (const dryRun of [true, false]) {
      const trees = await makeSyncTrees(['source', 'destination']);
      await writeTree(trees.source, source);
      await writeTree(trees.destination, destination);
      const before = listTree(trees.destination);
      const { result, plan } = await syncAndCollect(
        makeSyncRequest(trees.source, trees.destination, { ...overrides, dryRun }),
      );
      if (dryRun) expect(listTree(trees.destination), 'a dry run writes nothing').to.deep.equal(before);
      runs.push({ result, plan, destination: trees.destination });
    }
    const [dry, real] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(summary(dry.result)).to.deep.equal(summary(real.result));
    return { dry, real };
  }

  it('without deletions: a folder with content is not replaced, and the dry run says so', async () => {
    const { dry } = await dryThenReal({ dir: 'now a file', 'keep.txt': 'k' }, { 'dir/a.txt': 'a' }, {});
    expect(dry.result.outcome).to.equal('partial');
    expect(dry.result.errors.map((error) => error.code)).to.deep.equal(['FOLDER_NOT_EMPTY']);
  });

  it('without deletions: an empty destination folder is replaced in both', async () => {
    const runs = [];
    for (const dryRun of [true, false]) {
      const trees = await makeSyncTrees(['source', 'destination']);
      await writeTree(trees.source, { dir: 'now a file' });
      fs.mkdirSync(path.join(trees.destination, 'dir'));
      runs.push(
        summary((await syncAndCollect(makeSyncRequest(trees.source, trees.destination, { dryRun }))).result),
      );
    }
    expect(runs[0]).to.deep.equal(runs[1]);
    expect(runs[1]?.outcome).to.equal('ok');
  });

  it('with deletions: a folder that keeps an excluded entry is not replaced, and the dry run says so', async () => {
    const { dry } = await dryThenReal(
      { dir: 'now a file', 'keep.txt': 'k' },
      { 'dir/a.txt': 'a', 'dir/b.tmp': 'excluded' },
      { deleteExtraneous: true, filters: ['*.tmp'] },
    );
    expect(dry.result.errors.map((error) => error.code)).to.deep.equal(['FOLDER_NOT_EMPTY']);
  });

  it('with deletions: a folder that keeps an excluded entry deep inside is not replaced, and the dry run says so', async () => {
    const { dry } = await dryThenReal(
      { dir: 'now a file', 'keep.txt': 'k' },
      { 'dir/a.txt': 'a', 'dir/sub/deeper/b.tmp': 'excluded' },
      { deleteExtraneous: true, filters: ['*.tmp'] },
    );
    expect(dry.result.errors.map((error) => error.code)).to.deep.equal(['FOLDER_NOT_EMPTY']);
  });

  it('with deletions over max_delete: nothing is deleted nor replaced, and the dry run says so', async () => {
    const { dry } = await dryThenReal(
      { dir: 'now a file', 'keep.txt': 'k' },
      { 'dir/a.txt': 'a', 'dir/sub/b.txt': 'b' },
      { deleteExtraneous: true, maxDelete: 1 },
    );
    expect(dry.result.errors.map((error) => error.code)).to.deep.equal(['MAX_DELETE', 'FOLDER_NOT_EMPTY']);
  });

  it('with deletions at max_delete: the folder is replaced in both', async () => {
    const { dry, real } = await dryThenReal(
      { dir: 'now a file', 'keep.txt': 'k' },
      { 'dir/a.txt': 'a', 'dir/sub/b.txt': 'b' },
      { deleteExtraneous: true, maxDelete: 2 },
    );
    expect(real.result.outcome).to.equal('ok');
    expect(dry.plan).to.deep.equal(real.plan);
    expect(fs.readFileSync(path.join(real.destination, 'dir'), 'utf8')).to.equal('now a file');
  });
});

// Review of issue 8, item 2: replacing a single file is an overwrite, counted in the trash like any other.
describe('engine review: a file that a folder replaces, with a trash', () => {
  afterEach(removeTempDirs);

  it('counts the file it moved to the trash', async () => {
    const { dir, source, destination } = await makeSyncTrees(['source', 'destination']);
    await writeTree(source, { 'entry/a.txt': 'a' });
    await writeTree(destination, { entry: 'a file' });
    const trashDir = path.join(dir, 'trash');

    const { result } = await syncAndCollect(makeSyncRequest(source, destination, { trashDir }));

    expect(result.outcome).to.equal('ok');
    expect(listTree(trashDir).filter((entry) => entry.endsWith('/entry'))).to.have.length(1);
    expect(result.stats.trashed).to.equal(1);
  });
});
