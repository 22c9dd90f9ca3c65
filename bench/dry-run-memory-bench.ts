import path from 'node:path';
import { BenchDaemon, sleep } from './bench-daemon.js';
import { ensureTree } from './generate-tree.js';
import { megabytes } from './measure.js';
import { readRssBytes } from './process-memory.js';
import type { SupervisorBenchContext } from './supervisor-bench.js';

// Scenario 11 of `npm run bench` (issue 8, item 14): the supervisor's memory while a dry-run job on a 1 s interval
// plans the small tree (20,000 files: each plan holds the 10,000 entries kept) again and again. The run history
// keeps every run's summary but only the latest plan of each job, so the RSS stays flat.

/** How long the job runs; the figure is for 600 s (BENCH_DRY_RUN_SECS=600). */
const DURATION_SECS = Number(process.env.BENCH_DRY_RUN_SECS ?? 60);
const SAMPLE_EVERY_SECS = 60;
const POLL_MS = 1000;

export async function benchDryRunMemory(context: SupervisorBenchContext): Promise<void> {
  process.stderr.write('11. dry-run job every 1 s: preparing the small tree… ');
  const source = ensureTree('small', path.join(context.work, 'trees', 'small'));
  process.stderr.write('done\n');
  const daemon = await BenchDaemon.start(context.root, path.join(context.work, 'supervisor', 'dry-run'), 1, {
    source,
    schedule: 'type = "interval"\ninterval = "1s"',
    syncOptions: 'dry_run = true',
  });
  try {
    const runIds = new Set<string>();
    const pollRuns = async () => {
      const runId = (await daemon.status()).jobs[0]?.lastRun?.runId;
      if (runId) runIds.add(runId);
    };
    while (runIds.size === 0) {
      await pollRuns();
      await sleep(POLL_MS);
    }
    const startedAt = performance.now();
    const samples: string[] = [`start ${megabytes(readRssBytes(daemon.pid))}`];
    let nextSampleSecs = Math.min(SAMPLE_EVERY_SECS, DURATION_SECS);
    process.stderr.write(`11. dry-run job every 1 s for ${DURATION_SECS} s: `);
    for (;;) {
      const elapsedSecs = (performance.now() - startedAt) / 1000;
      if (elapsedSecs >= nextSampleSecs) {
        samples.push(`${nextSampleSecs} s ${megabytes(readRssBytes(daemon.pid))}`);
        process.stderr.write(`${samples.at(-1)}; `);
        if (nextSampleSecs >= DURATION_SECS) break;
        nextSampleSecs = Math.min(nextSampleSecs + SAMPLE_EVERY_SECS, DURATION_SECS);
      }
      await pollRuns();
      await sleep(POLL_MS);
    }
    process.stderr.write('done\n');
    const lastRun = (await daemon.status()).jobs[0]?.lastRun;
    context.notes.push(
      `11. supervisor RSS, a dry-run job (small tree, ${lastRun?.stats.copied ?? '?'} planned copies a run) every ` +
        `1 s for ${DURATION_SECS} s, ${runIds.size}+ runs seen: ${samples.join(', ')}`,
    );
  } finally {
    await daemon.stop();
  }
}
