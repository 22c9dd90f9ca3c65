import { monitorEventLoopDelay } from 'node:perf_hooks';
import type PocketBase from 'pocketbase';
import type { JobStatus, RunSummary } from '../src/control/daemon-api.js';
import { DAEMONS, SYNC_RUNS } from '../src/pocketbase/collection-schemas.js';
import { daemonRecordId, heartbeatJobs, runRecord } from '../src/pocketbase/fleet-records.js';
import { SeededRandom } from '../test/helpers/seeded-random.js';
import { percentile } from './measure.js';
import { cpuSecondsOf } from './process-cpu.js';

// The load generator of scenario 22: many daemons simulated in the bench process, each doing what a real one
// does to PocketBase (FleetReporter): a heartbeat (an update of its daemons record, a create when there is none
// yet) every 10 s and one sync_runs record a minute, signed in as its own account of `sync_daemons`, so that the
// collections' rules are evaluated as they are for real daemons. Requests go out with plain fetch (keep-alive)
// at planned times; every request's latency is measured, and how late the bench itself was sending it.

const HEARTBEAT_MS = 10_000;
const RUN_EVERY_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
const ACCOUNT_PASSWORD = 'bench-daemon-password';
const BATCH = 50;
const TOKEN_SECS = 4 * 3600;
const LOOP_RESOLUTION_MS = 5;

/** A simulated daemon's account: its record id and an impersonation token. */
export interface SimulatedAccount {
  id: string;
  token: string;
}

/** A heartbeat's update, a daemons record's create (after the update's 404), a sync_runs record's create. */
export type RequestKind = 'heartbeat' | 'create' | 'run';

/** What one level measured. */
export interface LevelResult {
  daemons: number;
  seconds: number;
  /** Every request's latency, from the request sent to the answer read, in ms. */
  latencies: number[];
  /** The same by kind. */
  latenciesByKind: Record<RequestKind, number[]>;
  /** Heartbeats and runs planned per second, and done per second (a heartbeat may take two requests). */
  intendedRate: number;
  achievedRate: number;
  /** Failed requests by status (or network error), the 404 of a first heartbeat's update left out. */
  errors: Record<string, number>;
  /** How late the bench sent its requests, p99, and its event loop's delay past its timer's period. */
  sendLatenessP99Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU used over the level's wall time, 100 = one core: this process, and PocketBase's. */
  benchCpuPercent: number;
  serverCpuPercent: number | undefined;
}

/**
 * `count` accounts of `sync_daemons`, made in batches, each with a token from `impersonate` (no password sign-in per
 * account). Their password field is set to bcrypt's least cost first, for the bench's sake only: making 2,000
 * accounts at the default cost takes minutes on this machine, and no request measured hashes a password.
 */
export async function makeDaemonAccounts(admin: PocketBase, count: number): Promise<SimulatedAccount[]> {
  const collection = await admin.collections.getOne('sync_daemons');
  const fields = collection.fields.map((field) =>
    field.name === 'password' ? { ...field, cost: 4 } : field,
  );
  await admin.collections.update(collection.id, { fields });
  const ids: string[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const batch = admin.createBatch();
    for (let index = start; index < Math.min(count, start + BATCH); index++)
      batch.collection('sync_daemons').create({
        email: `daemon-${index}@bench.invalid`,
        password: ACCOUNT_PASSWORD,
        passwordConfirm: ACCOUNT_PASSWORD,
      });
    const results = (await batch.send()) as { body: { id: string } }[];
    ids.push(...results.map((result) => result.body.id));
  }
  const accounts: SimulatedAccount[] = [];
  for (const id of ids) {
    const client = await admin.collection('sync_daemons').impersonate(id, TOKEN_SECS);
    accounts.push({ id, token: client.authStore.token });
  }
  return accounts;
}

interface PlannedRequest {
  at: number;
  daemon: number;
  kind: 'heartbeat' | 'run';
}

/**
 * Runs `accounts.length` simulated daemons for `seconds` against the server at `url`: daemon i's heartbeats at
 * (i + ½)/N of the 10 s period and its run at a seeded random point of the minute, so the load is even.
 */
export async function simulateDaemons(
  url: string,
  accounts: readonly SimulatedAccount[],
  { seconds, serverPid, level }: { seconds: number; serverPid: number | undefined; level: number },
): Promise<LevelResult> {
  const count = accounts.length;
  const plan = planRequests(count, seconds * 1000, level);
  const fleet = new SimulatedFleet(url, accounts, level);
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const lateness: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const cpuBefore = process.cpuUsage();
  const serverBefore = serverPid ? cpuSecondsOf(serverPid) : undefined;
  loop.enable();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const pump = () => {
      const now = performance.now() - started;
      for (; next < plan.length && (plan[next] as PlannedRequest).at <= now; next++) {
        const planned = plan[next] as PlannedRequest;
        lateness.push(now - planned.at);
        const request = fleet.send(planned).finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
      const upcoming = plan[next];
      if (!upcoming) resolve();
      else setTimeout(pump, Math.max(0, upcoming.at - (performance.now() - started)));
    };
    pump();
  });
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  loop.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = serverPid ? cpuSecondsOf(serverPid) : undefined;
  return {
    daemons: count,
    seconds,
    latencies: Object.values(fleet.latencies).flat(),
    latenciesByKind: fleet.latencies,
    intendedRate: plan.length / seconds,
    achievedRate: fleet.done / (elapsedMs / 1000),
    errors: fleet.errors,
    sendLatenessP99Ms: percentile(lateness, 0.99),
    loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    loopDelayMaxMs: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS),
    benchCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    serverCpuPercent:
      serverBefore !== undefined && serverAfter !== undefined
        ? ((serverAfter - serverBefore) * 100_000) / elapsedMs
        : undefined,
  };
}

function planRequests(count: number, durationMs: number, level: number): PlannedRequest[] {
  const random = new SeededRandom(level);
  const plan: PlannedRequest[] = [];
  for (let daemon = 0; daemon < count; daemon++) {
    for (let at = ((daemon + 0.5) / count) * HEARTBEAT_MS; at < durationMs; at += HEARTBEAT_MS)
      plan.push({ at, daemon, kind: 'heartbeat' });
    for (let at = random.next() * RUN_EVERY_MS; at < durationMs; at += RUN_EVERY_MS)
      plan.push({ at, daemon, kind: 'run' });
  }
  return plan.sort((a, b) => a.at - b.at);
}

/** The simulated daemons' requests, their latencies and failures. */
class SimulatedFleet {
  readonly latencies: Record<RequestKind, number[]> = { heartbeat: [], create: [], run: [] };
  readonly errors: Record<string, number> = {};
  /** Heartbeats and runs finished, failed or not. */
  done = 0;
  private runs = 0;
  private readonly startedAt = new Date().toISOString();
  private readonly jobs: JobStatus[];

  constructor(
    private readonly url: string,
    private readonly accounts: readonly SimulatedAccount[],
    private readonly level: number,
  ) {
    this.jobs = ['documents', 'photos', 'mail'].map((id) => ({
      id,
      state: 'idle',
      restarts: 0,
      schedule: 'every 5m',
      rejectedTriggers: 0,
      lastRun: runSummary(`${id}-last`),
    }));
  }

  async send(planned: PlannedRequest): Promise<void> {
    const account = this.accounts[planned.daemon] as SimulatedAccount;
    const host = `simulated-${planned.daemon}`;
    if (planned.kind === 'run') {
      const runId = `level-${this.level}-${this.runs++}`;
      const { body } = runRecord(host, 'simulated', 'documents', runSummary(runId));
      await this.request('run', 'POST', `/api/collections/${SYNC_RUNS.name}/records`, account, {
        ...body,
        account: account.id,
      });
      this.done++;
      return;
    }
    // As FleetReporter.heartbeat: an update of its record, created when the update finds none.
    const id = daemonRecordId(host);
    const body = {
      account: account.id,
      host,
      version: '0.1.0',
      pid: 1000 + planned.daemon,
      started_at: this.startedAt,
      last_heartbeat: new Date().toISOString(),
      heartbeat_interval_secs: HEARTBEAT_MS / 1000,
      stopped_at: '',
      jobs: heartbeatJobs(this.jobs),
    };
    const path = `/api/collections/${DAEMONS.name}/records`;
    const updated = await this.request('heartbeat', 'PATCH', `${path}/${id}`, account, body, [404]);
    if (updated === 404) await this.request('create', 'POST', path, account, { id, ...body });
    this.done++;
  }

  /** The answer's status (0 for a network error); an unexpected failure is counted. */
  private async request(
    kind: RequestKind,
    method: string,
    path: string,
    account: SimulatedAccount,
    body: Record<string, unknown>,
    expected: number[] = [],
  ): Promise<number> {
    const payload = JSON.stringify(body);
    const started = performance.now();
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers: { Authorization: account.token, 'Content-Type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      this.latencies[kind].push(performance.now() - started);
      if (!response.ok && !expected.includes(response.status)) this.countError(`HTTP ${response.status}`);
      return response.status;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      this.countError(cause ?? (error as Error).name);
      return 0;
    }
  }

  private countError(key: string): void {
    this.errors[key] = (this.errors[key] ?? 0) + 1;
  }
}

function runSummary(runId: string): RunSummary {
  const finished = new Date();
  return {
    runId,
    reasons: ['schedule'],
    dryRun: false,
    outcome: 'ok',
    startedAt: new Date(finished.getTime() - 1200).toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: 1200,
    stats: {
      filesScanned: 2400,
      copied: 3,
      updated: 1,
      deleted: 0,
      renamed: 0,
      trashed: 0,
      skipped: 2396,
      excluded: 0,
      directoriesCreated: 0,
      bytesCopied: 48_213,
      errors: 0,
      durationMs: 1200,
    },
    errors: [],
    errorsOmitted: 0,
    warnings: [],
  };
}
