import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { callDaemon } from '../src/control/control-client.js';
import type { DaemonStatus } from '../src/control/daemon-api.js';
import { sleep } from './bench-daemon.js';
import { timeCommand } from './bench-processes.js';
import { startLsyncd, waitForLog } from './lsyncd.js';
import { median } from './measure.js';
import type { SupervisorBenchContext } from './supervisor-bench.js';

// Scenario 16 of `npm run bench` (issue 9): the start-up sync of a mirror already in sync, from the process a
// service manager starts (lsyncd -nodaemon; the daemon's runners/supervisor.js) to the end of that first sync,
// alternating rounds, with the least any Node.js daemon of our shape could take beside them: one more Node.js
// process (the runner), the watch's crawl of the tree (the sync must start after it, or a change in between
// would be missed) and a bare listing of both trees in a fresh process (node-floor.mjs, issue 8).

const TRIALS = Number(process.env.BENCH_START_UP_TRIALS ?? 5);
const START_UP_SCENARIO = '16';

interface StartUpTrees {
  work: string;
  source: string;
  /** A copy of the source for lsyncd, one for the daemon. */
  lsyncdTarget: string;
  daemonTarget: string;
  notes: string[];
}

export async function benchStartUp(
  context: SupervisorBenchContext,
  { work, source, lsyncdTarget, daemonTarget, notes }: StartUpTrees,
  withLsyncd: boolean,
): Promise<void> {
  const times = { lsyncd: [] as number[], daemon: [] as number[], runs: [] as number[] };
  const floor = { nodeBoot: [] as number[], crawl: [] as number[], listing: [] as number[] };
  for (let trial = 0; trial < TRIALS; trial++) {
    if (withLsyncd) times.lsyncd.push(await timeLsyncdStartUp(work, source, lsyncdTarget));
    const daemon = await timeDaemonStartUp(context.root, work, source, daemonTarget);
    times.daemon.push(daemon.milliseconds);
    times.runs.push(daemon.runMs);
    floor.nodeBoot.push(await timeCommand(process.execPath, ['-e', '0']));
    floor.crawl.push(await timeWatchCrawl(source));
    floor.listing.push(
      await timeCommand(process.execPath, [
        path.join(context.root, 'bench', 'node-floor.mjs'),
        source,
        daemonTarget,
      ]),
    );
  }
  if (withLsyncd)
    context.samples.push({ scenario: START_UP_SCENARIO, contender: 'lsyncd', milliseconds: times.lsyncd });
  context.samples.push({ scenario: START_UP_SCENARIO, contender: 'sync-daemon', milliseconds: times.daemon });
  const floorMs = median(floor.nodeBoot) + median(floor.crawl) + median(floor.listing);
  const lsyncdMs = withLsyncd ? median(times.lsyncd) : undefined;
  notes.push(
    `  start-up sync (${TRIALS} rounds, medians): sync-daemon ${seconds(median(times.daemon))} (its run ${seconds(median(times.runs))})` +
      (lsyncdMs === undefined ? '' : `, lsyncd ${seconds(lsyncdMs)}`),
    `  start-up floor for a Node.js supervisor + runner: node -e 0 ${seconds(median(floor.nodeBoot))} + @parcel/watcher's crawl ` +
      `${seconds(median(floor.crawl))} + node-floor.mjs ${seconds(median(floor.listing))} = ${seconds(floorMs)}` +
      (lsyncdMs === undefined ? '' : ` = ${(floorMs / lsyncdMs).toFixed(2)}× lsyncd`) +
      `; sync-daemon = ${(median(times.daemon) / floorMs).toFixed(2)}× the floor`,
  );
}

/** lsyncd (rsync mode, delay 0) started on a mirror in sync, to its log's "Startup … finished". */
async function timeLsyncdStartUp(work: string, source: string, target: string): Promise<number> {
  const dir = path.join(work, 'lsyncd-start-up');
  fs.mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const lsyncd = startLsyncd(dir, source, target, 0);
  try {
    await waitForLog(lsyncd.log, /Startup of .* finished/);
    return performance.now() - started;
  } finally {
    lsyncd.process.kill('SIGTERM');
    await new Promise((resolve) => lsyncd.process.once('exit', resolve));
    fs.rmSync(lsyncd.log, { force: true });
  }
}

/**
 * The daemon's own process started as `sync-daemon start` starts it (runners/supervisor.js, no CLI before it),
 * timed to the end of its first run.
 */
async function timeDaemonStartUp(
  root: string,
  work: string,
  source: string,
  destination: string,
): Promise<{ milliseconds: number; runMs: number }> {
  const dir = path.join(work, 'start-up');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
  const socket = path.join(dir, 'run', 'daemon.sock');
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    [
      '[daemon]',
      `socket_path = ${JSON.stringify(socket)}`,
      `pid_file = ${JSON.stringify(path.join(dir, 'run', 'daemon.pid'))}`,
      `log_file = ${JSON.stringify(path.join(dir, 'daemon.log'))}`,
      '[metrics]',
      'address = "127.0.0.1:0"',
      '[cache]',
      `cache_dir = ${JSON.stringify(path.join(dir, 'cache'))}`,
      '[[sync_jobs]]',
      'id = "watched"',
      `source_path = ${JSON.stringify(source)}`,
      `destination_path = ${JSON.stringify(destination)}`,
      '[sync_jobs.sync_options]',
      'delete_destination_files = true',
      '[[file_watchers]]',
      'id = "bench-watcher"',
      'sync_job_id = "watched"',
      'debounce_ms = 0',
    ].join('\n'),
  );
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'runners', 'supervisor.js'), '--config', config], {
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const status = await callDaemon(socket, 'status', {}, { timeoutMs: 1000 }).catch(() => undefined);
      const job = (status as DaemonStatus | undefined)?.jobs.find((candidate) => candidate.id === 'watched');
      if (job?.lastRun) return { milliseconds: performance.now() - started, runMs: job.lastRun.durationMs };
      if (performance.now() - started > 120_000) throw new Error('the daemon never ran its start-up sync');
      await sleep(2);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** @parcel/watcher's subscribe on the tree (its crawl adds one inotify watch per folder), as a runner calls it. */
async function timeWatchCrawl(tree: string): Promise<number> {
  const watcher = createRequire(import.meta.url)('@parcel/watcher') as typeof import('@parcel/watcher');
  const started = performance.now();
  const subscription = await watcher.subscribe(tree, () => undefined, {
    ...(process.platform === 'linux' ? { backend: 'inotify' as const } : {}),
  });
  const milliseconds = performance.now() - started;
  await subscription.unsubscribe();
  return milliseconds;
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(3)} s`;
}
