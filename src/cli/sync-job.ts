import { asRunReply, asTriggerReply } from '../control/check-replies.js';
import { ControlError, callDaemon } from '../control/control-client.js';
import type { RunReply, TriggerOutcome, TriggerReply } from '../control/daemon-api.js';
import { omittedErrors } from '../engine/omitted-errors.js';
import type { SyncResult } from '../engine/types.js';
import { ExitCode } from './exit-codes.js';
import { formatPlanEntry, formatSyncResult } from './format-sync-result.js';
import { writeWarning } from './load-command-config.js';
import type { SyncCommandResult, SyncJobOptions } from './sync-job-options.js';
import { SyncProgressBar } from './sync-progress-bar.js';

const TRIGGER_MESSAGES: Record<TriggerOutcome, string> = {
  queued: 'queued in the daemon',
  merged: 'merged into the run already waiting',
  pending: 'will run in the daemon once the current run ends',
};

// Each poll is a long poll: the daemon answers when the run ends, or after WAIT_MS with its progress for the
// bar. A daemon of an older build answers at once: then the client waits between polls, the first few short,
// so a short run is still reported soon after it ends, growing to a ceiling of ten requests a second.
const WAIT_MS = 100;
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 100;
const POLL_GROWTH = 1.25;

/**
 * The one implementation of `sync <job>`: through the running daemon, or once in this process when no daemon
 * answers. Sets the exit code of a run; throws for anything else.
 */
export async function syncJob(options: SyncJobOptions): Promise<SyncCommandResult> {
  const viaDaemon = await askDaemon(options);
  if (viaDaemon) return viaDaemon;
  // The engine, the config validator and the lock are loaded only when this process runs the job itself.
  const { runJobOnce } = await import('./run-job-once.js');
  return runJobOnce(options);
}

/** The daemon runs the job when one answers; undefined when there is none (or it has the job disabled). */
async function askDaemon(options: SyncJobOptions): Promise<SyncCommandResult | undefined> {
  const socketPath = await options.socketPath();
  let reply: TriggerReply;
  try {
    reply = asTriggerReply(
      await callDaemon(socketPath, 'trigger', {
        job: options.job,
        ...(options.dryRun ? { dryRun: true } : {}),
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
  if (!options.wait && !options.dryRun) {
    if (!options.json) options.log(`${reply.job}: ${TRIGGER_MESSAGES[reply.outcome]} (run ${reply.runId})`);
    return asked;
  }
  const { run: summary, plan } = await follow(socketPath, reply, options.json);
  const result: SyncResult = {
    outcome: summary.outcome,
    dryRun: summary.dryRun,
    stats: summary.stats,
    errors: summary.errors,
    warnings: summary.warnings,
  };
  const errorsOmitted = omittedErrors(summary.stats, summary.errors.length);
  // The daemon keeps the plan of each job's latest dry run only: a newer dry run, asked by another client, may
  // have replaced this one's before it was fetched.
  if (summary.dryRun && summary.outcome !== 'failed' && !plan)
    writeWarning(
      `the planned changes of run ${reply.runId} are gone: a newer dry run of ${reply.job} replaced them; ` +
        `run "sync ${reply.job} --dry-run" again to see them`,
    );
  if (!options.json) {
    for (const entry of plan?.entries ?? []) options.log(formatPlanEntry(entry));
    if (plan?.omitted) options.log(`… and ${plan.omitted} more changes`);
    process.stdout.write(formatSyncResult(reply.job, result));
  }
  process.exitCode = result.outcome === 'ok' ? ExitCode.ok : ExitCode.failure;
  return { ...asked, result: { ...result, errorsOmitted }, ...(plan ? { plan: plan.entries } : {}) };
}

/** Polls the daemon for the run until it is done, showing its progress on a terminal. */
async function follow(
  socketPath: string,
  reply: TriggerReply,
  json: boolean,
): Promise<Extract<RunReply, { state: 'done' }>> {
  const bar = json ? undefined : await SyncProgressBar.create(reply.job);
  let interval = FIRST_POLL_MS;
  try {
    for (;;) {
      const asked = performance.now();
      const run = asRunReply(
        await callDaemon(socketPath, 'run', { job: reply.job, runId: reply.runId, waitMs: WAIT_MS }),
      );
      if (run.state === 'done') return run;
      if (run.state === 'unknown')
        throw new ControlError(
          'RUN_UNKNOWN',
          `the daemon no longer knows run ${reply.runId} of ${reply.job}`,
        );
      if (run.state === 'syncing' && run.progress) bar?.update(run.progress);
      if (performance.now() - asked < WAIT_MS / 2) {
        await new Promise((resolve) => setTimeout(resolve, interval));
        interval = Math.min(interval * POLL_GROWTH, MAX_POLL_MS);
      }
    }
  } finally {
    bar?.stop();
  }
}
