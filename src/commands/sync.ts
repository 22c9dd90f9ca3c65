import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { formatPlanEntry, formatSyncResult } from '../cli/format-sync-result.js';
import { SyncProgressBar } from '../cli/sync-progress-bar.js';
import { runSync } from '../engine/run-sync.js';
import type { PlanEntry, SyncResult } from '../engine/types.js';
import { buildSyncRequest } from '../jobs/build-sync-request.js';
import { lockDestination, lockDirOf } from '../jobs/destination-lock.js';
import { findJob } from '../jobs/find-job.js';

export interface SyncCommandResult {
  job: string;
  result: SyncResult;
  /** With --dry-run: every planned change (skips left out). */
  plan?: PlanEntry[];
}

export default class Sync extends BaseCommand<typeof Sync> {
  static override summary = 'Run one sync job once, in the foreground, and report what it did.';
  static override description =
    'Exits 0 when the run is ok, 1 when it is partial or failed, 2 for a bad config or job id. ' +
    'Ctrl-C stops at a safe point: no half-written file is left behind.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> documents',
    '<%= config.bin %> <%= command.id %> documents --dry-run',
    '<%= config.bin %> <%= command.id %> documents --config examples/config.toml --json',
  ];

  static override args = {
    job: Args.string({ description: 'Id of the sync job to run.', required: true }),
  };

  static override flags = {
    'dry-run': Flags.boolean({
      char: 'n',
      summary: 'Show what would change; write nothing at all.',
      default: false,
    }),
  };

  public async run(): Promise<SyncCommandResult> {
    const { config } = await this.loadConfig();
    const job = findJob(config, this.args.job);
    if (!job.enabled && !this.jsonEnabled())
      this.log(`Note: job ${job.id} is disabled; running it once as asked.`);

    const dryRun = this.flags['dry-run'] || job.sync_options.dry_run;
    const plan: PlanEntry[] = [];
    const bar = this.jsonEnabled() ? undefined : new SyncProgressBar(job.id);
    // A dry run writes nothing, so it needs no lock; a real run never shares its destination.
    const unlock = dryRun
      ? undefined
      : await lockDestination(job.destination_path, lockDirOf(config.daemon.socket_path));
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    let result: SyncResult;
    try {
      result = await runSync(
        buildSyncRequest(config, job, {
          dryRun,
          signal: stop.signal,
          onProgress: (progress) => bar?.update(progress),
          ...(dryRun
            ? { onPlanEntry: (entry: PlanEntry) => entry.action !== 'skip' && plan.push(entry) }
            : {}),
        }),
      );
    } finally {
      await unlock?.();
      bar?.stop();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }

    if (!this.jsonEnabled()) {
      for (const entry of plan) this.log(formatPlanEntry(entry));
      process.stdout.write(formatSyncResult(job.id, result));
    }
    process.exitCode = result.outcome === 'ok' ? ExitCode.ok : ExitCode.failure;
    return { job: job.id, result, ...(dryRun ? { plan } : {}) };
  }
}
