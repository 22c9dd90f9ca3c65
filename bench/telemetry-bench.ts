import fs from 'node:fs';
import path from 'node:path';
import { asRunReply, asTriggerReply } from '../src/control/check-replies.js';
import { BenchDaemon } from './bench-daemon.js';
import { median, percentile } from './measure.js';
import type { SupervisorBenchContext } from './supervisor-bench.js';

// Scenarios 18 and 19 of `npm run bench` (issue 10): what telemetry costs. 18: the initial copy of the 20,000-file
// tree through the daemon with the log at debug (a record per file, through the runner's batches, the supervisor's
// logger, its log file and its buffer) against warn (none of them), rounds alternating on one daemon (a reload
// switches the level, which restarts the runner: each round's runner is fresh either way). 19: `/metrics` with 50
// jobs, from request to last byte, on a kept-alive connection as Prometheus scrapes.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SCRAPES = 200;
/** Under the control connection's own 10 s timeout: a run that takes longer is asked again. */
const RUN_WAIT_MS = 5000;

export async function benchLoggingCost(context: SupervisorBenchContext, source: string): Promise<void> {
  const dir = path.join(context.work, 'daemon-18');
  const destination = path.join(context.work, 'runs', '18-copy');
  fs.rmSync(destination, { recursive: true, force: true });
  const daemon = await BenchDaemon.start(context.root, dir, 0, {}, [{ id: 'tree', source, destination }]);
  const times: Record<'debug' | 'warn', number[]> = { debug: [], warn: [] };
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      for (const level of ['debug', 'warn'] as const) {
        setLogLevel(daemon.configFile, level);
        await daemon.connection.call('reload');
        await daemon.waitUntilIdle();
        fs.rmSync(destination, { recursive: true, force: true });
        const milliseconds = await timeRun(daemon, 'tree');
        // Round 0 warms the page cache and the daemon: not counted.
        if (round > 0) times[level].push(milliseconds);
        process.stderr.write('.');
      }
    }
    process.stderr.write('\n');
  } finally {
    await daemon.stop();
    fs.rmSync(destination, { recursive: true, force: true });
  }
  context.samples.push({
    scenario: '18',
    contender: 'sync-daemon log_level=debug',
    milliseconds: times.debug,
  });
  context.samples.push({ scenario: '18', contender: 'sync-daemon log_level=warn', milliseconds: times.warn });
  const ratio = median(times.debug) / median(times.warn);
  context.notes.push(
    `18. logging cost, initial copy of the small tree through the daemon (${ROUNDS} rounds, medians): debug ` +
      `${seconds(median(times.debug))} vs warn ${seconds(median(times.warn))} = ${ratio.toFixed(2)}× (target ≤ 1.10×)`,
  );
}

export async function benchMetricsScrape(context: SupervisorBenchContext): Promise<void> {
  const daemon = await BenchDaemon.start(context.root, path.join(context.work, 'daemon-19'), 50);
  const milliseconds: number[] = [];
  let bytes = 0;
  try {
    const status = await daemon.waitUntilIdle();
    const address = status.metrics?.address;
    if (!status.metrics?.listening || !address) throw new Error('the daemon serves no metrics');
    for (let scrape = 0; scrape <= SCRAPES; scrape++) {
      const started = performance.now();
      const response = await fetch(`http://${address}/metrics`);
      const text = await response.text();
      if (scrape > 0) milliseconds.push(performance.now() - started);
      bytes = text.length;
    }
  } finally {
    await daemon.stop();
  }
  context.samples.push({ scenario: '19', contender: 'sync-daemon /metrics, 50 jobs', milliseconds });
  context.notes.push(
    `19. /metrics with 50 jobs (${SCRAPES} scrapes, ${Math.round(bytes / 1024)} KiB each): p50 ` +
      `${median(milliseconds).toFixed(2)} ms (target ≤ 10 ms), p95 ${percentile(milliseconds, 0.95).toFixed(2)} ms`,
  );
}

function setLogLevel(configFile: string, level: string): void {
  const text = fs.readFileSync(configFile, 'utf8').replace(/^log_level = .*\n/m, '');
  fs.writeFileSync(configFile, text.replace('[daemon]\n', `[daemon]\nlog_level = "${level}"\n`));
}

/** From the trigger to the run's end as the supervisor records it (its records logged by then). */
async function timeRun(daemon: BenchDaemon, job: string): Promise<number> {
  const started = performance.now();
  const { runId } = asTriggerReply(await daemon.connection.call('trigger', { job }));
  for (;;) {
    const reply = asRunReply(await daemon.connection.call('run', { job, runId, waitMs: RUN_WAIT_MS }));
    if (reply.state === 'done') {
      if (reply.run.outcome !== 'ok') throw new Error(`the run of ${job} ended ${reply.run.outcome}`);
      return performance.now() - started;
    }
  }
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(3)} s`;
}
