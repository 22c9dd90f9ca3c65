import fs from 'node:fs';
import path from 'node:path';
import { callDaemon } from '../src/control/control-client.js';
import type { DaemonStatus, JobStatus } from '../src/control/daemon-api.js';
import { isAlive } from '../src/supervisor/pid-file.js';
import { BenchDaemon, sleep } from './bench-daemon.js';
import { timeCommand } from './bench-processes.js';
import { median, megabytes, percentile, type Sample } from './measure.js';
import { Pm2Fleet } from './pm2-fleet.js';
import { readAnonymousRssBytes, readPssBytes, readRssBytes } from './process-memory.js';

// Scenarios 7 to 10 of `npm run bench`: the supervisor side by side with PM2 (default settings) in the same
// run — restart after kill -9, CLI status, idle memory — and the status round trip over the control socket.

/** A timed contender as run-bench.ts's `compare` alternates them, one warm-up round first. */
export interface TimedContender {
  name: string;
  run: () => Promise<number>;
}

/** What the scenarios need of run-bench.ts: where to work, and its samples, notes and `compare`. */
export interface SupervisorBenchContext {
  root: string;
  work: string;
  samples: Sample[];
  notes: string[];
  compare: (scenario: string, contenders: TimedContender[]) => Promise<void>;
}

const JOBS = 10;
const RPC_JOBS = 50;
const RPC_CALLS = 1000;
const REFERENCE_CALLS = 200;
const POLL_MS = 5;
/** Lets the replacement of one trial finish loading before the next kill, so trials do not overlap. */
const TRIAL_GAP_MS = 300;
/** Lets start-up garbage be collected and heaps shrink before memory is read. */
const SETTLE_MS = 2000;
const RESTART_TIMEOUT_MS = 10_000;
/** A runner ends its engine thread after 5 s idle (src/runner/engine-host.ts); measured a little after. */
const RUNNER_RELEASE_MS = 6000;

// The targets, printed next to each figure.
const TARGET_RPC_P50_MS = 5;
const TARGET_SUPERVISOR_BYTES = 80e6;
const TARGET_RUNNER_BYTES = 50e6;

/** Scenario 7: kill -9 of one runner (one PM2 app) to its replacement, each trial a first crash. */
export async function benchRestartAfterKill(context: SupervisorBenchContext): Promise<void> {
  await withSupervisors(context, async (daemon, fleet) => {
    const alive: Record<string, number[]> = { 'sync-daemon': [], pm2: [] };
    const ready: Record<string, number[]> = { 'sync-daemon': [], pm2: [] };
    const statesSeen = new Set<string>();
    process.stderr.write('7. restart after kill -9: ');
    // Job (app) number `trial` is killed once and only once: sync-daemon restarts a first crash at once and
    // backs off from the second, so every trial measures the same, undelayed restart.
    for (let trial = 0; trial < JOBS; trial++) {
      const contenders = trial % 2 ? (['pm2', 'sync-daemon'] as const) : (['sync-daemon', 'pm2'] as const);
      for (const contender of contenders) {
        const times =
          contender === 'pm2'
            ? await restartApp(fleet, `idle-${trial}`)
            : await restartRunner(daemon, `job-${trial}`, statesSeen);
        alive[contender]?.push(times.alive);
        ready[contender]?.push(times.ready);
        await sleep(TRIAL_GAP_MS);
      }
      process.stderr.write(`${trial + 1} `);
    }
    process.stderr.write('\n');
    for (const [contender, milliseconds] of Object.entries(alive))
      context.samples.push({ scenario: '7. kill -9 → replacement alive', contender, milliseconds });
    for (const [contender, milliseconds] of Object.entries(ready))
      context.samples.push({ scenario: '7. kill -9 → replacement ready', contender, milliseconds });
    const restarts = (await daemon.status()).jobs.map((job) => job.restarts);
    context.notes.push(
      `7. ${JOBS} trials, no warm-up, each on its own job/app (a first crash: no backoff), polled every ${POLL_MS} ms. ` +
        '"alive": a new child of the supervisor (PM2 God) in /proc. "ready": sync-daemon reports the job idle ' +
        'with a new runner pid (runner loaded, handshake done); the PM2 app wrote its pid from its first line ' +
        '(PM2 has no readiness signal by default).',
      `   sync-daemon states seen between kill and ready: ${[...statesSeen].join(', ')}; restarts per job after: ` +
        `${[...new Set(restarts)].join(', ')}`,
    );
  });
}

/** Scenario 8: `sync-daemon status` against `pm2 jlist`, each a new CLI process, 10 jobs and 10 apps. */
export async function benchCliStatus(context: SupervisorBenchContext): Promise<void> {
  await withSupervisors(context, async (daemon, fleet) => {
    const cli = path.join(context.root, 'bin', 'run.js');
    const jlist = fleet.jlistCommand();
    await context.compare(`8. CLI status wall time, ${JOBS} jobs / apps`, [
      {
        name: 'sync-daemon status',
        run: () => timeCommand(process.execPath, [cli, 'status', '--config', daemon.configFile]),
      },
      { name: 'pm2 jlist', run: () => timeCommand(jlist.command, jlist.args, jlist.env) },
    ]);
    // The CLI figures are mostly Node and module start-up; this shows the supervisors' own share.
    const ours = await timeCalls(REFERENCE_CALLS, () => daemon.status());
    const theirs = await timeCalls(REFERENCE_CALLS, () => fleet.list());
    context.notes.push(
      `8. for reference, in-process round trip on a kept connection, ${JOBS} jobs / apps, p50: sync-daemon ` +
        `status ${formatMs(percentile(ours, 0.5))}, pm2.list ${formatMs(percentile(theirs, 0.5))} ` +
        `(${ratio(percentile(ours, 0.5), percentile(theirs, 0.5))})`,
    );
  });
}

/** Scenario 9: resident memory of the supervisor and of its idle runners, PM2's daemon and apps alongside. */
export async function benchIdleMemory(context: SupervisorBenchContext): Promise<void> {
  await withSupervisors(context, async (daemon, fleet) => {
    process.stderr.write(`9. idle memory: settling ${SETTLE_MS / 1000} s… `);
    await sleep(SETTLE_MS);
    const status = await daemon.waitUntilIdle();
    const ourPids = [status.pid, ...status.jobs.map(runnerPidOf)];
    const pm2Pids = [fleet.godPid, ...(await fleet.list()).map((app) => app.pid)];
    const [supervisor = 0, ...runners] = ourPids.map(readRssBytes);
    const [god = 0, ...apps] = pm2Pids.map(readRssBytes);
    process.stderr.write('done\n');
    // Summed RSS would count the Node binary's shared pages once per process; PSS splits them among sharers.
    const sumPss = (pids: number[]) => pids.reduce((total, pid) => total + readPssBytes(pid), 0);
    context.notes.push(
      `9. idle RSS, ${JOBS} jobs / apps: supervisor ${megabytes(supervisor)} vs PM2 daemon ${megabytes(god)} ` +
        `(${ratio(supervisor, god)}; target ≤ ${megabytes(TARGET_SUPERVISOR_BYTES)}: ` +
        `${verdict(supervisor <= TARGET_SUPERVISOR_BYTES)})`,
      `   one idle runner: median ${megabytes(median(runners))}, max ${megabytes(Math.max(...runners))} ` +
        `(target ≤ ${megabytes(TARGET_RUNNER_BYTES)}: ${verdict(Math.max(...runners) <= TARGET_RUNNER_BYTES)}); ` +
        `PM2 idle app for reference: median ${megabytes(median(apps))}, max ${megabytes(Math.max(...apps))} ` +
        `(${ratio(median(runners), median(apps))} by median)`,
      `   whole tree (PSS): sync-daemon ${megabytes(sumPss(ourPids))}, PM2 ${megabytes(sumPss(pm2Pids))} ` +
        `(${ratio(sumPss(ourPids), sumPss(pm2Pids))})`,
    );
    // A runner that has synced once: the engine thread is up right after, and ended after 5 s idle.
    const job = status.jobs[0];
    if (!job) return;
    await daemon.connection.call('trigger', { job: job.id });
    const deadline = Date.now() + RESTART_TIMEOUT_MS;
    while (!(await daemon.status()).jobs[0]?.lastRun && Date.now() < deadline) await sleep(POLL_MS);
    const runner = runnerPidOf(job);
    const afterRun = readRssBytes(runner);
    await sleep(RUNNER_RELEASE_MS);
    context.notes.push(
      `   a runner after one sync: ${megabytes(afterRun)} right after, ${megabytes(readRssBytes(runner))} ` +
        `once idle ${RUNNER_RELEASE_MS / 1000} s (engine thread ended), of which private ` +
        `${megabytes(readAnonymousRssBytes(runner))}; the rest is the Node binary's ` +
        'pages, shared by every runner',
    );
  });
}

/** Scenario 10: `status` over the control socket with 50 jobs, a new connection per call and a kept one. */
export async function benchStatusRoundTrip(context: SupervisorBenchContext): Promise<void> {
  const started = performance.now();
  const daemon = await BenchDaemon.start(context.root, daemonDir(context, RPC_JOBS), RPC_JOBS);
  try {
    const status = await daemon.waitUntilIdle();
    const startup = performance.now() - started;
    const socketPath = status.socketPath;
    process.stderr.write(`10. status round trip, ${RPC_JOBS} jobs: `);
    await timeCalls(50, () => callDaemon(socketPath, 'status'));
    await timeCalls(50, () => daemon.connection.call('status'));
    const fresh = await timeCalls(RPC_CALLS, () => callDaemon(socketPath, 'status'));
    process.stderr.write('new connections ');
    const kept = await timeCalls(RPC_CALLS, () => daemon.connection.call('status'));
    process.stderr.write('kept connection\n');
    const replyBytes = Buffer.byteLength(JSON.stringify(status));
    context.notes.push(
      `10. status round trip, ${RPC_JOBS} jobs (${(replyBytes / 1000).toFixed(0)} kB reply), ${RPC_CALLS} calls ` +
        `after 50 warm-up: new connection per call p50 ${formatMs(percentile(fresh, 0.5))}, ` +
        `p99 ${formatMs(percentile(fresh, 0.99))}; kept connection p50 ${formatMs(percentile(kept, 0.5))}, ` +
        `p99 ${formatMs(percentile(kept, 0.99))} (target p50 ≤ ${TARGET_RPC_P50_MS} ms: ` +
        `${verdict(Math.max(percentile(fresh, 0.5), percentile(kept, 0.5)) <= TARGET_RPC_P50_MS)})`,
      `    start with ${RPC_JOBS} jobs until all idle: ${(startup / 1000).toFixed(2)} s; ` +
        `supervisor RSS after the calls ${megabytes(readRssBytes(status.pid))}`,
    );
  } finally {
    await daemon.stop();
  }
}

/**
 * A daemon with 10 jobs and PM2 with 10 apps, both up at once so every figure of a scenario comes from the same
 * run; both are stopped whatever `body` does.
 */
async function withSupervisors(
  context: SupervisorBenchContext,
  body: (daemon: BenchDaemon, fleet: Pm2Fleet) => Promise<void>,
): Promise<void> {
  const daemon = await BenchDaemon.start(context.root, daemonDir(context, JOBS), JOBS);
  try {
    const fleet = await Pm2Fleet.start(context.work, JOBS);
    try {
      await daemon.waitUntilIdle();
      await fleet.waitUntilOnline();
      // PM2 counts a crash within min_uptime (1 s by default) as unstable; let every app pass it first.
      await sleep(1000);
      await body(daemon, fleet);
    } finally {
      await fleet.kill();
    }
  } finally {
    await daemon.stop();
  }
}

interface RestartTimes {
  alive: number;
  ready: number;
}

/**
 * "Alive" is read the same way for both supervisors, from /proc rather than from either one's API: a child of
 * the supervisor that was not there before the kill. "Ready" is each side's own signal.
 */
async function restartRunner(
  daemon: BenchDaemon,
  jobId: string,
  statesSeen: Set<string>,
): Promise<RestartTimes> {
  const before = findJob(await daemon.status(), jobId);
  if (before.state !== 'idle') throw new Error(`${jobId} is ${before.state}, not idle, before its trial`);
  const oldPid = runnerPidOf(before);
  const children = new Set(listChildren(daemon.pid));
  const started = performance.now();
  process.kill(oldPid, 'SIGKILL');
  let alive: number | undefined;
  for (;;) {
    if (alive === undefined && findNewChild(daemon.pid, children) !== undefined)
      alive = performance.now() - started;
    const job = findJob(await daemon.status(), jobId);
    const elapsed = performance.now() - started;
    const replaced = job.runnerPid !== undefined && job.runnerPid !== oldPid;
    if (replaced && job.state === 'idle') return { alive: alive ?? elapsed, ready: elapsed };
    // The first polls may still show the killed runner as idle: its exit is not handled yet.
    if (replaced || job.state !== 'idle') statesSeen.add(job.state);
    if (elapsed > RESTART_TIMEOUT_MS)
      throw new Error(`${jobId} was not back within ${RESTART_TIMEOUT_MS} ms (state ${job.state})`);
    await sleep(POLL_MS);
  }
}

async function restartApp(fleet: Pm2Fleet, name: string): Promise<RestartTimes> {
  const before = (await fleet.list()).find((app) => app.name === name);
  if (before?.status !== 'online') throw new Error(`PM2 app ${name} is not online before its trial`);
  const god = fleet.godPid;
  const children = new Set(listChildren(god));
  const started = performance.now();
  process.kill(before.pid, 'SIGKILL');
  let alive: number | undefined;
  for (;;) {
    if (alive === undefined && findNewChild(god, children) !== undefined) alive = performance.now() - started;
    const readyPid = fleet.readyPid(name);
    const elapsed = performance.now() - started;
    if (readyPid !== undefined && readyPid !== before.pid) {
      const after = (await fleet.list()).find((app) => app.name === name);
      if (after?.pid !== readyPid)
        throw new Error(`PM2 lists ${name} as pid ${after?.pid}, it runs as ${readyPid}`);
      return { alive: alive ?? elapsed, ready: elapsed };
    }
    if (elapsed > RESTART_TIMEOUT_MS)
      throw new Error(`PM2 app ${name} was not back within ${RESTART_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
}

/** The live children of `pid`, from every thread's /proc children list (Node forks from its main thread). */
function listChildren(pid: number): number[] {
  const children: number[] = [];
  for (const thread of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8');
      for (const child of text.split(' ')) if (child.trim()) children.push(Number(child));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return children;
}

function findNewChild(pid: number, known: ReadonlySet<number>): number | undefined {
  return listChildren(pid).find((child) => !known.has(child) && isAlive(child));
}

function daemonDir(context: SupervisorBenchContext, jobCount: number): string {
  return path.join(context.work, 'supervisor', `daemon-${jobCount}`);
}

function findJob(status: DaemonStatus, jobId: string): JobStatus {
  const job = status.jobs.find((candidate) => candidate.id === jobId);
  if (!job) throw new Error(`no job ${jobId} in the daemon's status`);
  return job;
}

function runnerPidOf(job: JobStatus): number {
  if (job.runnerPid === undefined) throw new Error(`${job.id} has no runner (state ${job.state})`);
  return job.runnerPid;
}

/** Runs `call` `count` times one after the other; the milliseconds of each. */
async function timeCalls(count: number, call: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return times;
}

function ratio(ours: number, pm2: number): string {
  return `${(ours / pm2).toFixed(2)}× pm2`;
}

function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

function formatMs(milliseconds: number): string {
  return `${milliseconds.toFixed(2)} ms`;
}
