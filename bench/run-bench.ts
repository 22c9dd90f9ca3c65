import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyncRequest } from '../src/engine/types.js';
import { makeSyncRequest } from '../test/helpers/sync-helpers.js';
import { BenchDaemon } from './bench-daemon.js';
import { EngineProcess, ensureRsync, timeCommand } from './bench-processes.js';
import { writeReport } from './bench-report.js';
import { benchDryRunMemory } from './dry-run-memory-bench.js';
import { benchFleetCapacity, benchFleetUploads } from './fleet-bench.js';
import { ensureTree, modifyTree, type TreeName } from './generate-tree.js';
import { describePeakRss, NODE_FLOOR } from './issue-8-targets.js';
import { megabytes, type Sample } from './measure.js';
import { benchPocketBaseEdits } from './pocketbase-bench.js';
import {
  benchCliStatus,
  benchIdleMemory,
  benchRestartAfterKill,
  benchStatusRoundTrip,
  type SupervisorBenchContext,
} from './supervisor-bench.js';
import { benchLoggingCost, benchMetricsScrape } from './telemetry-bench.js';
import { benchWatching } from './watch-bench.js';

// `npm run bench`: the engine side by side with rsync (and cp), alternating rounds, warm page cache. Each
// scenario of issue 3 is a function below; 7 to 10, the supervisor side by side with PM2, are in
// supervisor-bench.ts; 11, the supervisor's memory under a dry-run job every second, in dry-run-memory-bench.ts
// (BENCH_DRY_RUN_SECS, default 60); 12 and 13 (issue 8) time the CLI: a no-op through the daemon and start-up;
// 14 to 17 (issue 9) file watching beside lsyncd, in watch-bench.ts (BENCH_WATCH_TRIALS, default 50); 18 and 19
// (issue 10) what logging and metrics cost, in telemetry-bench.ts; 20 (issue 11) a PocketBase edit to its runner
// restarted, in pocketbase-bench.ts; 21 and 22 (issue 12) the fleet, in fleet-bench.ts: a daemon's records
// uploaded while 10 jobs sync and after an outage, and how many simulated daemons one PocketBase carries with
// p99 ≤ 50 ms (BENCH_FLEET_SECS, default 30, per phase and level; BENCH_FLEET_BACKLOG, BENCH_FLEET_LEVELS).
// BENCH_ROUNDS (default 5) and BENCH_SCENARIOS=1,3 narrow it down.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORK = path.join(ROOT, '.bench');
const TREES = path.join(WORK, 'trees');
const RUNS = path.join(WORK, 'runs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CLI = path.join(ROOT, 'bin', 'run.js');

const SELECTED = process.env.BENCH_SCENARIOS?.split(',');

interface Contender {
  name: string;
  /** Untimed: puts the destination in the state the scenario starts from. */
  reset?: (round: number) => void;
  run: (round: number) => Promise<number>;
}

const samples: Sample[] = [];
const notes: string[] = [];
const report = (final: boolean) => writeReport(WORK, { samples, notes, rounds: ROUNDS }, final);

async function main(): Promise<void> {
  // Only the engine scenarios compare with rsync.
  if (!SELECTED || SELECTED.some((id) => Number(id) <= 6 || id === '12')) ensureRsync();
  // Left by an interrupted bench: a round folder that exists already would turn a copy into a no-op.
  if (fs.existsSync(RUNS)) cleanUp();
  fs.mkdirSync(RUNS, { recursive: true });
  const scenarios: [string, () => Promise<void>][] = [
    ['1', initialCopySmall],
    ['2', initialCopyLarge],
    ['3', noOpSmall],
    ['4', noOpMixedChecksum],
    ['5', resyncAfterChanges],
    ['6', noOpHuge],
    ['7', () => benchRestartAfterKill(supervisorBench)],
    ['8', () => benchCliStatus(supervisorBench)],
    ['9', () => benchIdleMemory(supervisorBench)],
    ['10', () => benchStatusRoundTrip(supervisorBench)],
    ['11', () => benchDryRunMemory(supervisorBench)],
    ['12', noOpThroughDaemon],
    ['13', cliStartUp],
    ['14', watching],
    ['18', () => benchLoggingCost(supervisorBench, tree('small'))],
    ['19', () => benchMetricsScrape(supervisorBench)],
    ['20', () => benchPocketBaseEdits(supervisorBench)],
    ['21', () => benchFleetUploads(supervisorBench)],
    ['22', () => benchFleetCapacity(supervisorBench)],
  ];
  for (const [id, scenario] of scenarios) {
    // 14 runs 14 to 17 (issue 9): one watched daemon measures them all.
    if (
      !SELECTED ||
      SELECTED.includes(id) ||
      (id === '14' && SELECTED.some((other) => ['15', '16', '17'].includes(other)))
    ) {
      await scenario();
      // Written after each scenario, so a long run that fails late keeps what it measured.
      report(false);
    }
  }
  report(true);
  cleanUp();
}

// Scenarios 7 to 10 record into the same samples and notes, and time their CLI rounds with the same `compare`.
const supervisorBench: SupervisorBenchContext = { root: ROOT, work: WORK, samples, notes, compare };

/** Scenarios 14 to 17 (issue 9): file watching on the 20,000-file tree, beside lsyncd. */
async function watching(): Promise<void> {
  await benchWatching(supervisorBench, { tree: tree('small'), folders: 400 });
}

function cleanUp(): void {
  process.stderr.write('removing the runs… ');
  fs.rmSync(RUNS, { recursive: true, force: true });
  process.stderr.write('done\n');
}

async function initialCopySmall(): Promise<void> {
  const source = tree('small');
  const engine = await EngineProcess.start();
  const destinationOf = (name: string) => path.join(RUNS, `1-${name}`);
  await compare('1. initial copy, small tree', [
    fresh('engine', destinationOf('engine'), (to) => engine.sync(request(source, to))),
    fresh('engine (CLI)', destinationOf('cli'), (to) => runCli(source, to, 'mtime')),
    fresh('rsync -a', destinationOf('rsync'), (to) => timeCommand('rsync', ['-a', `${source}/`, `${to}/`])),
  ]);
  notes.push(`1. engine peak RSS (small tree): ${describePeakRss(engine.maxRssBytes)}`);
  engine.stop();
}

async function initialCopyLarge(): Promise<void> {
  const source = tree('large');
  const engine = await EngineProcess.start();
  const destinationOf = (name: string) => path.join(RUNS, `2-${name}`);
  await compare('2. initial copy, large tree', [
    fresh('engine', destinationOf('engine'), (to) => engine.sync(request(source, to))),
    fresh('engine (CLI)', destinationOf('cli'), (to) => runCli(source, to, 'mtime')),
    fresh('rsync -a', destinationOf('rsync'), (to) => timeCommand('rsync', ['-a', `${source}/`, `${to}/`])),
    fresh('cp -a', destinationOf('cp'), (to) => timeCommand('cp', ['-a', source, to])),
  ]);
  engine.stop();
}

async function noOpSmall(): Promise<void> {
  const source = tree('small');
  const destination = synced('3', source);
  const engine = await EngineProcess.start();
  await compare('3. no-op resync, small tree, mtime', [
    { name: 'engine', run: () => engine.sync(request(source, destination)) },
    { name: 'engine (CLI)', run: () => runCli(source, destination, 'mtime') },
    { name: 'rsync -a', run: () => timeCommand('rsync', ['-a', `${source}/`, `${destination}/`]) },
  ]);
  notes.push(`3. engine peak RSS (small tree, no-op): ${describePeakRss(engine.maxRssBytes)}`);
  engine.stop();
}

async function noOpMixedChecksum(): Promise<void> {
  const source = tree('mixed');
  const destination = synced('4', source);
  const cacheFile = path.join(RUNS, '4-metadata-cache.json');
  const engine = await EngineProcess.start();
  const checksum = request(source, destination, { comparison: 'checksum', metadataCacheFile: cacheFile });
  // Two untimed runs fill the cache past its 2-second "racily clean" window.
  await engine.sync(checksum);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  await engine.sync(checksum);
  await compare('4. no-op resync, mixed tree, checksum + persistent cache', [
    { name: 'engine checksum+cache', run: () => engine.sync(checksum) },
    { name: 'engine checksum+cache (CLI)', run: () => runCli(source, destination, 'checksum', cacheFile) },
    { name: 'engine mtime', run: () => engine.sync(request(source, destination)) },
    { name: 'rsync -a -c', run: () => timeCommand('rsync', ['-a', '-c', `${source}/`, `${destination}/`]) },
  ]);
  engine.stop();
}

async function resyncAfterChanges(): Promise<void> {
  const pristine = tree('small');
  const changed = path.join(TREES, 'small-changed');
  if (!fs.existsSync(changed)) {
    execFileSync('cp', ['-a', pristine, changed]);
    modifyTree(changed, 200, 50, 'scenario-5');
  }
  const engine = await EngineProcess.start();
  const destinationOf = (name: string) => path.join(RUNS, `5-${name}`);
  // Each round starts from its own copy of the unchanged tree, made untimed and never deleted while measuring.
  const roundCopy = (name: string, round: number) => `${destinationOf(name)}-round-${round}`;
  const restore = (name: string) => (round: number) => {
    execFileSync('cp', ['-a', pristine, roundCopy(name, round)]);
    execFileSync('sync');
  };
  await compare('5. resync after 200 changes and 50 deletions, --delete', [
    {
      name: 'engine',
      reset: restore('engine'),
      run: (round) => engine.sync(request(changed, roundCopy('engine', round), { deleteExtraneous: true })),
    },
    {
      name: 'engine (CLI)',
      reset: restore('cli'),
      run: (round) => runCli(changed, roundCopy('cli', round), 'mtime', undefined, true),
    },
    {
      name: 'rsync -a --delete',
      reset: restore('rsync'),
      run: (round) =>
        timeCommand('rsync', ['-a', '--delete', `${changed}/`, `${roundCopy('rsync', round)}/`]),
    },
  ]);
  engine.stop();
}

async function noOpHuge(): Promise<void> {
  const source = tree('huge');
  const destination = synced('6', source);
  const engine = await EngineProcess.start();
  let rsyncPeak = 0;
  await compare('6. no-op resync, huge tree (200,000 files)', [
    { name: 'engine', run: () => engine.sync(request(source, destination)) },
    { name: 'engine (CLI)', run: () => runCli(source, destination, 'mtime') },
    {
      name: 'rsync -a',
      run: async () => {
        const started = performance.now();
        const run = spawnSync('/usr/bin/time', ['-f', '%M', 'rsync', '-a', `${source}/`, `${destination}/`], {
          encoding: 'utf8',
        });
        if (run.status !== 0) throw new Error(`rsync failed: ${run.stderr}`);
        rsyncPeak = Math.max(rsyncPeak, Number(run.stderr.trim().split('\n').at(-1)) * 1024);
        return performance.now() - started;
      },
    },
  ]);
  notes.push(
    `6. peak RSS, huge tree no-op: engine ${megabytes(engine.maxRssBytes)}, rsync ${megabytes(rsyncPeak)}`,
  );
  engine.stop();
}

/**
 * Scenario 12: the no-op of scenario 3 five ways in the same rounds: the engine in a warm process, the one-shot
 * CLI (no daemon), `sync --wait` through a running daemon (the client's start-up, the trigger, the runner's run,
 * the polls), the least a Node.js one-shot can cost (node-floor.mjs), and rsync.
 */
async function noOpThroughDaemon(): Promise<void> {
  const source = tree('small');
  const destination = synced('12', source);
  const engine = await EngineProcess.start();
  const daemon = await BenchDaemon.start(ROOT, path.join(WORK, 'daemon-12'), 1, {}, [
    { id: 'small', source, destination },
  ]);
  try {
    await daemon.waitUntilIdle();
    await compare('12. no-op resync, small tree: in-process, one-shot, through the daemon', [
      { name: 'engine', run: () => engine.sync(request(source, destination)) },
      { name: 'engine (CLI)', run: () => runCli(source, destination, 'mtime') },
      {
        name: 'sync-daemon sync --wait',
        run: () =>
          timeCommand(process.execPath, [CLI, 'sync', 'small', '--wait', '--config', daemon.configFile]),
      },
      {
        name: NODE_FLOOR,
        run: () =>
          timeCommand(process.execPath, [path.join(ROOT, 'bench', 'node-floor.mjs'), source, destination]),
      },
      { name: 'rsync -a', run: () => timeCommand('rsync', ['-a', `${source}/`, `${destination}/`]) },
    ]);
  } finally {
    await daemon.stop();
    engine.stop();
  }
}

/** Scenario 13: the CLI's start-up, each a new process, against bare `node -e 0`. */
async function cliStartUp(): Promise<void> {
  const daemon = await BenchDaemon.start(ROOT, path.join(WORK, 'daemon-13'), 1);
  try {
    await daemon.waitUntilIdle();
    const config = ['--config', daemon.configFile];
    await compare('13. CLI start-up (a new process each)', [
      { name: 'sync-daemon --version', run: () => timeCommand(process.execPath, [CLI, '--version']) },
      { name: 'sync-daemon status', run: () => timeCommand(process.execPath, [CLI, 'status', ...config]) },
      {
        name: 'sync-daemon sync --wait, 1 file',
        run: () => timeCommand(process.execPath, [CLI, 'sync', 'job-0', '--wait', ...config]),
      },
      { name: 'node -e 0', run: () => timeCommand(process.execPath, ['-e', '0']) },
    ]);
  } finally {
    await daemon.stop();
  }
}

/** Round 0 is a warm-up; the order of contenders rotates each round so none always goes first. */
async function compare(scenario: string, contenders: Contender[]): Promise<void> {
  const times = new Map(contenders.map((contender) => [contender.name, [] as number[]]));
  process.stderr.write(`${scenario}: `);
  for (let round = 0; round <= ROUNDS; round++) {
    const rotated = contenders.map(
      (_, index) => contenders[(index + round) % contenders.length] as Contender,
    );
    for (const contender of rotated) {
      contender.reset?.(round);
      const milliseconds = await contender.run(round);
      if (round > 0) times.get(contender.name)?.push(milliseconds);
    }
    process.stderr.write(round === 0 ? 'warm-up ' : `${round} `);
  }
  process.stderr.write('\n');
  for (const [contender, milliseconds] of times) samples.push({ scenario, contender, milliseconds });
}

/**
 * A contender that writes a new tree each round, into a new folder: on this machine's disk (ext4 with online
 * discard) deleting a tree slows every file creation of the next seconds by 5 to 10 times, so nothing is
 * deleted while measuring; `cleanUp` removes the runs at the end.
 */
function fresh(name: string, destination: string, run: (destination: string) => Promise<number>): Contender {
  return {
    name,
    reset: () => execFileSync('sync'),
    run: (round) => run(`${destination}-round-${round}`),
  };
}

function tree(name: TreeName): string {
  const root = path.join(TREES, name);
  process.stderr.write(`preparing the ${name} tree… `);
  ensureTree(name, root);
  process.stderr.write('done\n');
  return root;
}

/** A destination in sync with the source, made once with rsync. */
function synced(id: string, source: string): string {
  const destination = path.join(RUNS, `${id}-synced`);
  execFileSync('rsync', ['-a', '--delete', `${source}/`, `${destination}/`]);
  return destination;
}

// The config defaults (max_file_operations 100, a day-long cache TTL so cached hashes stay trusted).
function request(source: string, destination: string, overrides: Partial<SyncRequest> = {}): SyncRequest {
  return makeSyncRequest(source, destination, {
    maxFileOperations: 100,
    metadataCacheTtlMs: 86_400_000,
    ...overrides,
  });
}

function runCli(
  source: string,
  destination: string,
  comparison: string,
  cacheFile?: string,
  deleteExtraneous = false,
): Promise<number> {
  const config = path.join(RUNS, `cli-${path.basename(destination)}.toml`);
  const cacheDir = cacheFile ? path.dirname(cacheFile) : path.join(RUNS, 'cli-cache');
  fs.writeFileSync(
    config,
    [
      // A socket no daemon answers on: this is the one-shot CLI, whatever daemon runs on the default socket.
      '[daemon]',
      `socket_path = ${JSON.stringify(path.join(RUNS, 'no-daemon.sock'))}`,
      '[cache]',
      `cache_dir = ${JSON.stringify(cacheDir)}`,
      `enable_persistent_cache = ${cacheFile ? 'true' : 'false'}`,
      'file_metadata_cache_ttl_secs = 86400',
      '[[sync_jobs]]',
      'id = "bench"',
      `source_path = ${JSON.stringify(source)}`,
      `destination_path = ${JSON.stringify(destination)}`,
      '[sync_jobs.sync_options]',
      `comparison_method = "${comparison}"`,
      `delete_destination_files = ${deleteExtraneous}`,
    ].join('\n'),
  );
  if (cacheFile) {
    // The CLI keeps its cache at <cache_dir>/metadata/<job>.json; share the in-process one.
    fs.mkdirSync(path.join(cacheDir, 'metadata'), { recursive: true });
    if (fs.existsSync(cacheFile)) fs.copyFileSync(cacheFile, path.join(cacheDir, 'metadata', 'bench.json'));
  }
  return timeCommand(process.execPath, [CLI, 'sync', 'bench', '--config', config]);
}

await main();
