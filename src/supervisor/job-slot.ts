import type { Config, SyncJob } from '../config/schema.js';
import type {
  CurrentRun,
  JobState,
  JobStatus,
  JobWatchersStatus,
  RunSummary,
} from '../control/daemon-api.js';
import { runnerJobOf } from '../jobs/runner-job-of.js';
import { describeSchedule } from '../scheduler/describe-schedule.js';
import type { JobSchedule } from '../scheduler/job-schedule.js';
import type { RunnerHandle } from './runner-handle.js';

/** Everything the supervisor keeps about one job of the config. */
export interface JobSlot {
  job: SyncJob;
  /** Changes exactly when the job's runner must restart to pick up a new config. */
  fingerprint: string;
  runner: RunnerHandle | undefined;
  schedule: JobSchedule | undefined;
  paused: boolean;
  /** `incremental`: a run of a watcher's changed paths, run again in full if it does not end ok. */
  current: (CurrentRun & { startedAtMs: number; lastProgressAtMs: number; incremental: boolean }) | undefined;
  lastRun: RunSummary | undefined;
  rejectedTriggers: number;
  /** Restarts of runners this slot had before its current one (`job restart`, reload). */
  earlierRestarts: number;
  /** The run that was under way when a new runner was asked for (reload, `job restart`): it runs again after. */
  interruptedRunId: string | undefined;
  /** What the runner last said of its watchers (none: no watchers, or a runner that has not said yet). */
  watchers: JobWatchersStatus | undefined;
  /**
   * Changes its watchers saw were not synced (the job paused, a watch run cancelled or refused for a full
   * queue): the next watch trigger, or `job resume`, runs in full.
   */
  watchChangesMissed: boolean;
  /** A reload's new runner waits for the running sync to end (auto_restart_on_config_change = false): no run starts. */
  restartPending: boolean;
}

export function newJobSlot(job: SyncJob, fingerprint: string): JobSlot {
  return {
    job,
    fingerprint,
    runner: undefined,
    schedule: undefined,
    paused: false,
    restartPending: false,
    current: undefined,
    lastRun: undefined,
    rejectedTriggers: 0,
    earlierRestarts: 0,
    interruptedRunId: undefined,
    watchers: undefined,
    watchChangesMissed: false,
  };
}

/** Every setting whose change needs a new runner: the runner's job, its schedule and the supervision keys. */
export function fingerprintOf(config: Config, job: SyncJob, lockDir: string): string {
  const { daemon } = config;
  return JSON.stringify({
    enabled: job.enabled,
    runner: runnerJobOf(config, job, lockDir),
    schedule: job.schedule,
    timeout: job.sync_timeout_secs,
    supervision: [
      daemon.stop_timeout_secs,
      daemon.restart_backoff_initial_ms,
      daemon.restart_backoff_max_ms,
      daemon.restart_backoff_reset_secs,
      daemon.crashloop_after_crashes,
    ],
  });
}

/** A run that has reported no progress for the job's `sync_timeout_secs` (never, when that is not set). */
export function isHung(slot: JobSlot, now: number): boolean {
  const limitSecs = slot.job.sync_timeout_secs;
  return (
    slot.current !== undefined &&
    limitSecs !== undefined &&
    now - slot.current.lastProgressAtMs >= limitSecs * 1000
  );
}

/** The job as `status` shows it; `hasWaitingRun` comes from the dispatcher. */
export function describeJobSlot(slot: JobSlot, hasWaitingRun: boolean): JobStatus {
  const { job, runner, current } = slot;
  const nextRunAt = slot.paused ? undefined : slot.schedule?.nextRunAt();
  return {
    id: job.id,
    ...(job.name ? { name: job.name } : {}),
    state: stateOf(slot, hasWaitingRun),
    ...(runner?.pid !== undefined ? { runnerPid: runner.pid } : {}),
    restarts: slot.earlierRestarts + (runner?.restarts ?? 0),
    schedule: describeSchedule(job.schedule),
    ...(nextRunAt ? { nextRunAt: nextRunAt.toISOString() } : {}),
    ...(current
      ? {
          current: {
            runId: current.runId,
            reasons: current.reasons,
            dryRun: current.dryRun,
            startedAt: current.startedAt,
            ...(current.progress ? { progress: current.progress } : {}),
          },
        }
      : {}),
    ...(slot.lastRun ? { lastRun: slot.lastRun } : {}),
    rejectedTriggers: slot.rejectedTriggers,
    ...(slot.watchers ? { watching: slot.watchers } : {}),
  };
}

function stateOf(slot: JobSlot, hasWaitingRun: boolean): JobState {
  if (!slot.job.enabled) return 'disabled';
  if (slot.current) return 'syncing';
  if (slot.paused) return 'paused';
  const runnerState = slot.runner?.state ?? 'stopped';
  if (runnerState === 'idle' && hasWaitingRun) return 'queued';
  return runnerState;
}
