import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { formatPlanEntry, formatSyncResult } from '../cli/format-sync-result.js';
import { SyncProgressBar } from '../cli/sync-progress-bar.js';
import { asRunReply, asTriggerReply } from '../control/check-replies.js';
import { ControlError, callDaemon } from '../control/control-client.js';
import type { RunReply, TriggerOutcome, TriggerReply } from '../control/daemon-api.js';
import { runSync } from '../engine/run-sync.js';
import type { PlanEntry, SyncResult } from '../engine/types.js';
import { describeWorkerFallback, onWorkerFallback } from '../engine/worker-fallback.js';
import { buildSyncRequest } from '../jobs/build-sync-request.js';
import { defaultLockDir, lockDestination } from '../jobs/destination-lock.js';
import { findJob } from '../jobs/find-job.js';

export interface SyncCommandResult {
  job: string;
  /** Who ran it: the running daemon (its runner), or this process because no daemon answers. */
  via: 'daemon' | 'one-shot';
  runId?: string;
  /** Via the daemon: what became of the request (a new run, merged into a waiting one, after the current one). */
  trigger?: TriggerOutcome;
  /** Absent when the daemon was asked without --wait; from a daemon, with the count of errors it left out. */
  result?: SyncResult & { errorsOmitted?: number };
  /** One-shot --dry-run: every planned change (skips left out). */
  plan?: PlanEntry[];
}

const TRIGGER_MESSAGES: Record<TriggerOutcome, string> = {
  queued: 'queued in the daemon',
  merged: 'merged into the run already waiting',
  pending: 'will run in the daemon once the current run ends',
};

const POLL_INTERVAL_MS = 100;

export default class Sync extends BaseCommand<typeof Sync> {
  static override summary = 'Sync one job now: through the running daemon, or once in this process.';
  static override description =
    'With a daemon running on the socket, it asks the daemon to run the job (--wait follows the run to its result). ' +
    'With none, it runs the job here, in the foreground. ' +
    'Exits 0 when the run is ok (or queued), 1 when it is partial or failed, 2 for a bad config or job id. ' +
    'Ctrl-C stops a one-shot run at a safe point: no half-written file is left behind.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> documents',
    '<%= config.bin %> <%= command.id %> documents --wait',
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
    wait: Flags.boolean({
      char: 'w',
      summary:
        'With a daemon: follow the run, with progress, and exit with its result (a dry run always does).',
      default: false,
    }),
  };

  public async run(): Promise<SyncCommandResult> {
    return (await this.askDaemon()) ?? (await this.runOnce());
  }

  /** The daemon runs the job when one answers; undefined when there is none (or it has the job disabled). */
  private async askDaemon(): Promise<SyncCommandResult | undefined> {
    const socketPath = await this.socketPath();
    let reply: TriggerReply;
    try {
      reply = asTriggerReply(
        await callDaemon(socketPath, 'trigger', {
          job: this.args.job,
          ...(this.flags['dry-run'] ? { dryRun: true } : {}),
        }),
      );
    } catch (error) {
      // A disabled job is never run by the daemon, so running it here cannot collide with it.
      if (error instanceof ControlError && (error.code === 'NOT_RUNNING' || error.code === 'JOB_DISABLED'))
        return undefined;
      throw error;
    }
    const asked = { job: reply.job, via: 'daemon', runId: reply.runId, trigger: reply.outcome } as const;
    // A dry run is asked for to be read: it is always followed to its plan.
    if (!this.flags.wait && !this.flags['dry-run']) {
      if (!this.jsonEnabled())
        this.log(`${reply.job}: ${TRIGGER_MESSAGES[reply.outcome]} (run ${reply.runId})`);
      return asked;
    }
    const { run: summary, plan } = await this.follow(socketPath, reply);
    const result: SyncResult = {
      outcome: summary.outcome,
      dryRun: summary.dryRun,
      stats: summary.stats,
      errors: summary.errors,
      warnings: summary.warnings,
    };
    // A daemon of an older build sends no count.
    const errorsOmitted = summary.errorsOmitted ?? 0;
    if (!this.jsonEnabled()) {
      for (const entry of plan?.entries ?? []) this.log(formatPlanEntry(entry));
      if (plan?.omitted) this.log(`… and ${plan.omitted} more changes`);
      process.stdout.write(formatSyncResult(reply.job, result, errorsOmitted));
    }
    process.exitCode = result.outcome === 'ok' ? ExitCode.ok : ExitCode.failure;
    return { ...asked, result: { ...result, errorsOmitted }, ...(plan ? { plan: plan.entries } : {}) };
  }

  /** Polls the daemon for the run until it is done, showing its progress on a terminal. */
  private async follow(
    socketPath: string,
    reply: TriggerReply,
  ): Promise<Extract<RunReply, { state: 'done' }>> {
    const bar = this.jsonEnabled() ? undefined : new SyncProgressBar(reply.job);
    try {
      for (;;) {
        const run = asRunReply(await callDaemon(socketPath, 'run', { job: reply.job, runId: reply.runId }));
        if (run.state === 'done') return run;
        if (run.state === 'unknown')
          throw new ControlError(
            'RUN_UNKNOWN',
            `the daemon no longer knows run ${reply.runId} of ${reply.job}`,
          );
        if (run.state === 'syncing' && run.progress) bar?.update(run.progress);
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    } finally {
      bar?.stop();
    }
  }

  private async runOnce(): Promise<SyncCommandResult> {
    const { config } = await this.loadConfig();
    const job = findJob(config, this.args.job);
    if (!job.enabled && !this.jsonEnabled())
      this.log(`Note: job ${job.id} is disabled; running it once as asked.`);

    const dryRun = this.flags['dry-run'] || job.sync_options.dry_run;
    const plan: PlanEntry[] = [];
    const bar = this.jsonEnabled() ? undefined : new SyncProgressBar(job.id);
    // A dry run writes nothing, so it needs no lock; a real run never shares its destination.
    const unlock = dryRun ? undefined : await lockDestination(job.destination_path, defaultLockDir());
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    let result: SyncResult;
    // A helper thread that fails leaves its work to this one: slower, so worth a word on stderr.
    onWorkerFallback((fallback) => process.stderr.write(`warning: ${describeWorkerFallback(fallback)}\n`));
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
    return { job: job.id, via: 'one-shot', result, ...(dryRun ? { plan } : {}) };
  }
}
