import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import type { PlanEntry } from '../../src/engine/types.js';
import { expectSameTree, makeSyncRequest, snapshotTree, syncAndCollect } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

const T_ACCESS = 1_500_000_000_000;
const T_MODIFIED = 1_600_000_000_000;

describe('runSync with dryRun', () => {
  let dir: string;
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ dir, source, destination } = await makeSyncTrees());
  });
  afterEach(removeTempDirs);

  // A destination one run behind its source: something to create, copy, update, fix, delete and leave alone.
  async function makeTreesOneRunApart(): Promise<void> {
    await writeTree(source, {
      'same.txt': 'same',
      'changed.txt': 'old',
      'mode.txt': 'mode',
      'kept/unchanged.txt': 'unchanged',
    });
    await runSync(makeSyncRequest(source, destination));
    await writeTree(source, { 'changed.txt': 'new content', 'new/deep/file.txt': 'new file' });
    fs.chmodSync(path.join(source, 'mode.txt'), 0o600);
    await writeTree(destination, { 'extra.txt': 'extra', 'extra-folder/inside.txt': 'extra' });
  }

  it('changes nothing at all in the destination: entries, contents, modes and times', async () => {
    await makeTreesOneRunApart();
    const before = snapshotTree(destination);
    const sourceBefore = snapshotTree(source);

    const { result } = await syncAndCollect(
      makeSyncRequest(source, destination, { dryRun: true, deleteExtraneous: true }),
    );

    expect(result.outcome).to.equal('ok');
    expect(result.dryRun).to.equal(true);
    expectSameTree(snapshotTree(destination), before);
    expectSameTree(snapshotTree(source), sourceBefore);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['destination', 'source']);
  });

  it('reports the plan a real run would carry out, with reasons, and counts it', async () => {
    await makeTreesOneRunApart();

    const { result, plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { dryRun: true, deleteExtraneous: true }),
    );

    const byPath = (entries: PlanEntry[]) => [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(byPath(plan)).to.deep.equal(
      byPath([
        { action: 'update', path: 'changed.txt', kind: 'file', reason: 'size differs', bytes: 11 },
        { action: 'delete', path: 'extra-folder', kind: 'dir', reason: 'not in the source' },
        { action: 'delete', path: 'extra-folder/inside.txt', kind: 'file', reason: 'not in the source' },
        { action: 'delete', path: 'extra.txt', kind: 'file', reason: 'not in the source' },
        {
          action: 'skip',
          path: 'kept/unchanged.txt',
          kind: 'file',
          reason: 'same size and modification time',
        },
        {
          action: 'update',
          path: 'mode.txt',
          kind: 'file',
          reason: 'same content; permissions differ',
          bytes: 0,
          metadataOnly: true,
        },
        { action: 'mkdir', path: 'new', kind: 'dir', reason: 'new folder' },
        { action: 'mkdir', path: 'new/deep', kind: 'dir', reason: 'new folder' },
        { action: 'copy', path: 'new/deep/file.txt', kind: 'file', reason: 'new file', bytes: 8 },
        { action: 'skip', path: 'same.txt', kind: 'file', reason: 'same size and modification time' },
      ]),
    );
    expect(result.stats).to.include({
      copied: 1,
      updated: 2,
      deleted: 2,
      skipped: 2,
      directoriesCreated: 2,
      bytesCopied: 19,
      errors: 0,
    });
  });

  it('plans the same changes a real run then makes', async () => {
    await makeTreesOneRunApart();
    const request = makeSyncRequest(source, destination, { deleteExtraneous: true });

    const dry = await syncAndCollect({ ...request, dryRun: true });
    const real = await syncAndCollect(request);

    const { durationMs: _dry, ...dryStats } = dry.result.stats;
    const { durationMs: _real, ...realStats } = real.result.stats;
    expect(dryStats).to.deep.equal(realStats);
    const sorted = (plan: PlanEntry[]) => plan.map((entry) => JSON.stringify(entry)).sort();
    expect(sorted(dry.plan)).to.deep.equal(sorted(real.plan));
  });

  it('moves no access time while reading contents in checksum mode', async () => {
    await writeTree(source, { 'a.txt': 'same size 1' });
    await writeTree(destination, { 'a.txt': 'same size 2' });
    // Access times older than the modification times: with relatime, any plain read would move them.
    const files = [path.join(source, 'a.txt'), path.join(destination, 'a.txt')];
    for (const file of files) fs.utimesSync(file, new Date(T_ACCESS), new Date(T_MODIFIED));
    const accessTimes = () => files.map((file) => fs.statSync(file).atimeMs);

    const { plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { dryRun: true, comparison: 'checksum' }),
    );

    expect(plan.map((entry) => entry.reason)).to.deep.equal(['content differs']);
    expect(accessTimes()).to.deep.equal([T_ACCESS, T_ACCESS]);
  });

  it('creates nothing when the destination does not exist', async () => {
    await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });

    const { result, plan } = await syncAndCollect(makeSyncRequest(source, destination, { dryRun: true }));

    expect(result.outcome).to.equal('ok');
    expect(fs.existsSync(destination)).to.equal(false);
    expect(fs.readdirSync(dir)).to.deep.equal(['source']);
    expect(plan.map((entry) => `${entry.action} ${entry.path}`)).to.deep.equal([
      'mkdir ',
      'copy a.txt',
      'mkdir sub',
      'copy sub/b.txt',
    ]);
    expect(result.stats).to.include({ copied: 2, directoriesCreated: 2, bytesCopied: 2 });
  });

  it('creates neither the trash nor the metadata cache', async () => {
    await makeTreesOneRunApart();
    const trashDir = path.join(dir, 'trash');
    const metadataCacheFile = path.join(dir, 'cache', 'metadata.json');

    await runSync(
      makeSyncRequest(source, destination, {
        dryRun: true,
        deleteExtraneous: true,
        comparison: 'checksum',
        trashDir,
        metadataCacheFile,
      }),
    );

    expect(fs.readdirSync(dir).sort()).to.deep.equal(['destination', 'source']);
  });
});
