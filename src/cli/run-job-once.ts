import { runSync } from '../engine/run-sync.js';
import type { PlanEntry, SyncResult } from '../engine/types.js';
import { describeWorkerFallback, onWorkerFallback } from '../engine/worker-fallback.js';
import { buildSyncRequest } from '../jobs/build-sync-request.js';
import { defaultLockDir, lockDestination } from '../jobs/destination-lock.js';
import { findJob } from '../jobs/find-job.js';
import { ExitCode } from './exit-codes.js';
import { formatPlanEntry, formatSyncResult } from './format-sync-result.js';
import type { SyncCommandResult, SyncJobOptions } from './sync-job-options.js';
import { SyncProgressBar } from './sync-progress-bar.js';

/** `sync <job>` with no daemon to ask: the job runs here, in the foreground, holding its destination's lock. */
export async function runJobOnce(options: SyncJobOptions): Promise<SyncCommandResult> {
  const { config } = await options.loadConfig();
  const job = findJob(config, options.job);
  if (!job.enabled && !options.json)
    options.log(`Note: job ${job.id} is disabled; running it once as asked.`);

  const dryRun = options.dryRun || job.sync_options.dry_run;
  const plan: PlanEntry[] = [];
  const bar = options.json ? undefined : await SyncProgressBar.create(job.id);
  // A dry run writes nothing, so it needs no lock; a real run never shares its destination.
  const unlock = dryRun ? undefined : await lockDestination(job.destination_path, defaultLockDir());
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let result: SyncResult;
  // A helper thread that fails leaves its work to this one: slower, so worth a word on stderr.
  onWorkerFallback((fallback) => process.stderr.write(`warning: ${describeWorkerFallback(fallback)}\n`));
  try {
    result = await runSync({
      ...buildSyncRequest(config, job, {
        dryRun,
        signal: stop.signal,
        onProgress: (progress) => bar?.update(progress),
        ...(dryRun ? { onPlanEntry: (entry: PlanEntry) => entry.action !== 'skip' && plan.push(entry) } : {}),
      }),
      // One sync, then the process ends: listing threads would cost more than they save (see listInline).
      listInline: true,
    });
  } finally {
    await unlock?.();
    bar?.stop();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }

  if (!options.json) {
    for (const entry of plan) options.log(formatPlanEntry(entry));
    process.stdout.write(formatSyncResult(job.id, result));
  }
  process.exitCode = result.outcome === 'ok' ? ExitCode.ok : ExitCode.failure;
  return { job: job.id, via: 'one-shot', result, ...(dryRun ? { plan } : {}) };
}
