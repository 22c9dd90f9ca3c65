import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { runSync } from '../../src/engine/run-sync.js';
import { SyncProgressTracker } from '../../src/engine/sync-progress-tracker.js';
import { purgeTrash } from '../../src/engine/trash.js';
import type { SyncProgress } from '../../src/engine/types.js';
import { watchFileGrowth } from '../../src/engine/watch-file-growth.js';
import { makeSyncRequest, waitFor } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

const MIB = 1024 * 1024;

// Issue 8, item 11: long steps report progress as they go, so a no-progress timeout never kills a healthy run.
describe('engine safety: progress during long steps', function () {
  this.slow(10_000);
  let dir: string;
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ dir, source, destination } = await makeSyncTrees(['source']));
  });
  afterEach(removeTempDirs);

  it('reports bytes of a large file while it is being copied, not only once it is done', async () => {
    // Written in 1 MiB pieces of distinct content: no filesystem can copy it by sharing blocks at once.
    const size = 512 * MIB;
    const descriptor = fs.openSync(path.join(source, 'large.bin'), 'w');
    for (let offset = 0; offset < size; offset += MIB)
      fs.writeSync(descriptor, Buffer.alloc(MIB, offset / MIB));
    fs.closeSync(descriptor);
    const reports: SyncProgress[] = [];

    const result = await runSync(
      makeSyncRequest(source, destination, { onProgress: (progress) => reports.push(progress) }),
    );

    expect(result.outcome).to.equal('ok');
    const intermediate = reports.filter((report) => report.bytesDone > 0 && report.bytesDone < size);
    // The copy is watched on a timer: every report below the size came while the copy ran.
    expect(intermediate, `progress reports: ${JSON.stringify(reports.map((r) => r.bytesDone))}`).to.not.be
      .empty;
    expect(reports.at(-1)?.bytesDone).to.equal(size);
  });

  it("watchFileGrowth reports a file's growth while it is written, and nothing once stopped", async () => {
    const file = path.join(dir, 'growing');
    fs.writeFileSync(file, '');
    const growth: number[] = [];
    const stop = watchFileGrowth(file, (bytes) => growth.push(bytes));
    try {
      fs.appendFileSync(file, Buffer.alloc(1000));
      await waitFor(() => growth.length === 1, { what: 'the first growth' });
      fs.appendFileSync(file, Buffer.alloc(500));
      await waitFor(() => growth.length === 2, { what: 'the second growth' });
    } finally {
      stop();
    }
    expect(growth).to.deep.equal([1000, 500]);
  });

  it('lets a report of a long step out whenever 100 ms passed since the last one', () => {
    const clock = sinon.useFakeTimers({ toFake: ['performance'] });
    try {
      const reports: SyncProgress[] = [];
      const tracker = new SyncProgressTracker((progress) => reports.push(progress));
      clock.tick(1000);
      tracker.copying(1);
      clock.tick(50);
      tracker.hashing(1);
      clock.tick(60);
      tracker.deletionTried();
      clock.tick(999);
      tracker.copying(1);

      // The second call came 50 ms after a report: throttled; the others each got out.
      expect(
        reports.map((report) => [report.bytesDone, report.bytesHashed, report.entriesDeleted]),
      ).to.deep.equal([
        [1, 0, 0],
        [1, 1, 1],
        [2, 1, 1],
      ]);
    } finally {
      clock.restore();
    }
  });

  it('reports bytes of a large file being hashed (checksum mode)', async () => {
    const size = 64 * MIB;
    for (const root of [source, destination]) {
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(path.join(root, 'large.bin'), Buffer.alloc(size, 7));
    }
    const reports: SyncProgress[] = [];

    await runSync(
      makeSyncRequest(source, destination, {
        comparison: 'checksum',
        onProgress: (progress) => reports.push(progress),
      }),
    );

    const hashed = reports.map((report) => report.bytesHashed ?? 0);
    expect(Math.max(...hashed)).to.equal(2 * size);
  });

  it('reports each entry of the deletion phase', async () => {
    await writeTree(source, { 'kept.txt': 'k' });
    await writeTree(
      destination,
      Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`extra/${index}.txt`, 'x'])),
    );
    const reports: SyncProgress[] = [];

    await runSync(
      makeSyncRequest(source, destination, {
        deleteExtraneous: true,
        onProgress: (progress) => reports.push(progress),
      }),
    );

    // 50 files and their folder; the last report (forced at the end of the phase) counts them all.
    expect(Math.max(...reports.map((report) => report.entriesDeleted ?? 0))).to.equal(51);
  });

  it('reports each entry the trash purge removes', async () => {
    const trashDir = path.join(dir, 'trash');
    const old = `${new Date(Date.UTC(2020, 0, 1)).toISOString().replace(/[:.]/g, '-')}-abcdef`;
    await writeTree(trashDir, { [`${old}/a.txt`]: 'a', [`${old}/sub/b.txt`]: 'b' });
    let entries = 0;

    const removed = await purgeTrash(trashDir, 30, { onEntry: () => entries++ });

    expect(removed).to.equal(1);
    // a.txt, sub/b.txt, sub/ and the run folder itself.
    expect(entries).to.equal(4);
    await waitFor(() => !fs.existsSync(path.join(trashDir, old)), { what: 'the old run folder to go' });
  });
});
