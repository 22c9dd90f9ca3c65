import path from 'node:path';
import { runSync } from '../../src/engine/run-sync.js';
import type { SyncResult } from '../../src/engine/types.js';
import {
  describeMirrorEntry,
  diffMirrors,
  type Mirror,
  type MirrorDifference,
  readMirror,
} from '../helpers/mirror-differences.js';
import { addToDestinations, generateRandomTree, mutateRandomTree } from '../helpers/random-tree.js';
import { type RsyncResult, runRsync } from '../helpers/rsync.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { makeSyncRequest } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// Differential test: seeded random trees, mutated round after round, each state mirrored by the engine and by
// `rsync -a --delete` into two destinations that must then agree entry by entry. A failure prints its seed;
// `DIFFERENTIAL_SEEDS=7,8 npx mocha test/engine/differential.test.ts` replays or explores other seeds.
const SEEDS = (process.env.DIFFERENTIAL_SEEDS ?? '1,2,3,4,5,6,7,8').split(',').map(Number);
const ROUNDS = 4;
const MUTATIONS_PER_ROUND = 10;
const TREE = { entries: 80, largeFiles: 2 };
// Patterns that mean the same to the engine (gitignore, any-depth rule for a middle slash) and to rsync.
const FILTERS = ['*.tmp', '!keep.tmp', 'cache/', '/build', '.git/', 'logs/*.log'];
const SHOWN_DIFFERENCES = 8;

describe('the engine against rsync -a --delete (seeded random trees)', function () {
  this.slow(8000);
  this.timeout(30_000);

  afterEach(removeTempDirs);

  for (const filters of [[], FILTERS]) {
    for (const seed of SEEDS) {
      // Odd seeds list folders on the walking thread, as the one-shot CLI does; even seeds on the listing threads.
      it(`mirrors like rsync: seed ${seed}, ${filters.length > 0 ? 'with filters' : 'no filters'}${seed % 2 ? ', listed inline' : ''}`, async () => {
        await compareOverRounds(seed, filters);
      });
    }
  }
});

/** Generates a tree, then mutates it ROUNDS times; every state is mirrored by both tools and compared. */
async function compareOverRounds(seed: number, filters: readonly string[]): Promise<void> {
  const dir = await makeTempDir('sync-daemon-differential-');
  const source = path.join(dir, 'source');
  const byEngine = path.join(dir, 'engine');
  const byRsync = path.join(dir, 'rsync');
  const random = new SeededRandom(seed);
  generateRandomTree(source, random, TREE);
  let mutations: string[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    if (round > 0) {
      mutations = mutateRandomTree(source, random, MUTATIONS_PER_ROUND);
      if (random.chance(0.6)) mutations.push(addToDestinations([byEngine, byRsync], random));
    }
    const engineBefore = round > 0 ? readMirror(byEngine) : undefined;
    const engine = await runSync(
      makeSyncRequest(source, byEngine, {
        filters,
        deleteExtraneous: true,
        maxFileOperations: 4,
        listInline: seed % 2 === 1,
      }),
    );
    const rsync = await runRsync(source, byRsync, filters);
    const sourceMirror = readMirror(source);
    const engineMirror = readMirror(byEngine);
    const rsyncMirror = readMirror(byRsync);
    if (engineBefore && engineBefore.size > 1 && hasNothingToMirror(rsyncMirror, sourceMirror)) {
      // The one designed difference: the empty-source guard (README, "Safety") deletes nothing where rsync
      // deletes everything, and says so. The next round, with a source to mirror again, must agree again.
      const kept = [...engineBefore.keys()].filter((relative) => engineMirror.has(relative));
      if (engine.outcome === 'ok' || kept.length < engineBefore.size) {
        throw new Error(
          `the source has nothing to mirror (seed ${seed}, round ${round}, filters ${JSON.stringify(filters)}): ` +
            `the engine must delete nothing and say so; it said ${engine.outcome} and kept ` +
            `${kept.length - 1} of ${engineBefore.size - 1} entries\n  mutations: ${mutations.join('; ')}`,
        );
      }
      continue;
    }
    const differences = diffMirrors(engineMirror, rsyncMirror, sourceMirror);
    if (differences.length > 0) {
      throw new Error(
        describeDivergence({ seed, filters, round, mutations, differences, engine, rsync, sourceMirror }),
      );
    }
  }
}

/**
 * rsync mirrored no source file or link: the source is empty, or holds only excluded entries or empty folders
 * (which the guard counts as nothing to mirror, as a drive with only an empty `lost+found`).
 */
function hasNothingToMirror(rsyncMirror: Mirror, sourceMirror: Mirror): boolean {
  return ![...rsyncMirror].some(
    ([relative, entry]) => entry.kind !== 'dir' && relative !== '.' && sourceMirror.has(relative),
  );
}

function describeDivergence(failure: {
  seed: number;
  filters: readonly string[];
  round: number;
  mutations: string[];
  differences: MirrorDifference[];
  engine: SyncResult;
  rsync: RsyncResult;
  sourceMirror: Mirror;
}): string {
  const { seed, filters, round, mutations, differences, engine, rsync, sourceMirror } = failure;
  const lines = [
    `the engine's mirror differs from rsync's at ${differences.length} path(s)`,
    `  seed ${seed}, filters ${JSON.stringify(filters)}, ${round === 0 ? 'initial tree' : `after mutation round ${round}`}`,
    `  replay: DIFFERENTIAL_SEEDS=${seed} npx mocha test/engine/differential.test.ts`,
    `  engine: ${engine.outcome}, ${JSON.stringify(engine.stats)}`,
    ...engine.errors.map(
      (error) => `    error ${JSON.stringify(error.path)} ${error.code}: ${error.message}`,
    ),
    ...engine.warnings.map((warning) => `    warning ${warning}`),
    `  rsync: exit ${rsync.exitCode}${rsync.stderr ? `, stderr:\n    ${rsync.stderr.trim().split('\n').join('\n    ')}` : ''}`,
  ];
  if (round > 0) lines.push('  mutations of this round:', ...mutations.map((mutation) => `    ${mutation}`));
  lines.push(`  first ${Math.min(SHOWN_DIFFERENCES, differences.length)} difference(s):`);
  for (const difference of differences.slice(0, SHOWN_DIFFERENCES)) {
    lines.push(
      `    ${JSON.stringify(difference.path)}: ${difference.what.join(', ')}`,
      `      source: ${describeMirrorEntry(sourceMirror.get(difference.path))}`,
      `      engine: ${describeMirrorEntry(difference.actual)}`,
      `      rsync:  ${describeMirrorEntry(difference.expected)}`,
    );
  }
  return lines.join('\n');
}
