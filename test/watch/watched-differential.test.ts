import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import { FolderWatcher } from '../../src/watch/folder-watcher.js';
import { WatchFilter } from '../../src/watch/watch-filter.js';
import type { ChangeBatch } from '../../src/watch/watcher-settings.js';
import { describeMirrorEntry, diffMirrors, readMirror } from '../helpers/mirror-differences.js';
import { generateRandomTree, mutateRandomTree } from '../helpers/random-tree.js';
import { runRsync } from '../helpers/rsync.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { makeSyncRequest, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// The watcher and the incremental run together, against rsync: a seeded random tree is mutated round after
// round; the engine syncs only the paths a real watcher reported, rsync the whole tree, and the two mirrors must
// agree entry by entry. A change the watcher missed, or a rule the scoped run forgot, shows up here.
const ROUNDS = 4;
const MUTATIONS_PER_ROUND = 10;
const FILTERS = ['*.tmp', '!keep.tmp', 'cache/', '/build', '.git/', 'logs/*.log'];

// The native backend only: chokidar reports no chmod whose file was read since its last write (it compares
// atime with mtime), which the random mutations do; the next full rescan mirrors such a change (README).
const CASES = [
  { seed: 11, backend: 'native', filters: [] },
  { seed: 12, backend: 'native', filters: FILTERS },
  { seed: 13, backend: 'native', filters: FILTERS },
] as const;

describe('watched incremental runs against rsync -a --delete (seeded random trees)', function () {
  this.slow(10_000);
  this.timeout(60_000);
  let watcher: FolderWatcher | undefined;

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await removeTempDirs();
  });

  for (const { seed, backend, filters } of CASES) {
    it(`mirrors like rsync from the watcher's paths alone: seed ${seed}, ${backend}${filters.length ? ', with filters' : ''}`, async () => {
      const dir = await makeTempDir('sync-daemon-watched-');
      const source = path.join(dir, 'source');
      const byEngine = path.join(dir, 'engine');
      const byRsync = path.join(dir, 'rsync');
      const random = new SeededRandom(seed);
      generateRandomTree(source, random, { entries: 60, largeFiles: 1 });
      const request = makeSyncRequest(source, byEngine, {
        filters,
        deleteExtraneous: true,
        maxFileOperations: 4,
      });
      await runSync(request);
      await runRsync(source, byRsync, filters);

      const batches: ChangeBatch[] = [];
      watcher = new FolderWatcher(
        {
          id: 'w',
          path: source,
          recursive: true,
          debounceMs: 10,
          events: ['create', 'write', 'remove', 'rename', 'chmod'],
          backend,
          pollIntervalMs: 100,
          fullRescanIntervalSecs: 3600,
        },
        new WatchFilter({ source, destination: byEngine, filters, ignoreHiddenFiles: false }),
        { changed: (batch) => batches.push(batch), statusChanged: () => undefined, log: () => undefined },
      );
      await watcher.start();
      batches.length = 0;

      for (let round = 1; round <= ROUNDS; round++) {
        const mutations = mutateRandomTree(source, random, MUTATIONS_PER_ROUND);
        // Events come in order: once the sentinel's is in, so is every event of the mutations before it.
        const sentinel = `sentinel-${round}.txt`;
        fs.writeFileSync(path.join(source, sentinel), String(round));
        const reported = () => batches.flatMap((batch) => ('paths' in batch ? batch.paths : []));
        await waitFor(() => reported().includes(sentinel), { what: `the watcher to report ${sentinel}` });
        const fullRun = batches.some((batch) => 'rescan' in batch);
        const paths = [...new Set(reported())];
        batches.length = 0;

        const engine = await runSync({ ...request, ...(fullRun ? {} : { paths }) });
        await runRsync(source, byRsync, filters);
        const sourceMirror = readMirror(source);
        const differences = diffMirrors(readMirror(byEngine), readMirror(byRsync), sourceMirror);
        expect(
          differences.map(
            (difference) =>
              `${difference.path}: ${difference.what.join(', ')} (source ${describeMirrorEntry(sourceMirror.get(difference.path))})`,
          ),
          `round ${round}, ${engine.outcome} ${JSON.stringify(engine.errors)}\n  paths: ${paths.join(', ')}\n  mutations: ${mutations.join('; ')}`,
        ).to.deep.equal([]);
      }
    });
  }
});
