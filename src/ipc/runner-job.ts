import { LOG_LEVELS, type LogLevel } from '../config/log-levels.js';
import type { SyncRequest } from '../engine/types.js';
import type { WatcherSettings } from '../watch/watcher-settings.js';

/** What a runner is started with: one job's settings, as JSON in its environment. */
export type RunnerJob = {
  id: string;
  /** Where the runner takes its destination lock for each run (beside the control socket). */
  lockDir: string;
  /** The job's enabled `[[file_watchers]]`; they live in the runner, on its main thread. */
  watchers: WatcherSettings[];
  /** The daemon's log level: records below it are never sent (at debug, one record per file a run acts on). */
  logLevel: LogLevel;
} & Omit<SyncRequest, 'signal' | 'onProgress' | 'onPlanEntry' | 'dryRun'>;

export const RUNNER_JOB_ENV = 'SYNC_DAEMON_RUNNER_JOB';

/** Reads and checks the job a runner was started with; throws a message naming what is wrong. */
export function readRunnerJob(env: NodeJS.ProcessEnv): RunnerJob {
  const text = env[RUNNER_JOB_ENV];
  if (!text) throw new Error(`${RUNNER_JOB_ENV} is not set: a runner is started by the supervisor`);
  const job = JSON.parse(text) as Partial<RunnerJob>;
  for (const key of ['id', 'lockDir', 'source', 'destination', 'comparison'] as const) {
    if (typeof job[key] !== 'string') throw new Error(`${RUNNER_JOB_ENV}: "${key}" must be a string`);
  }
  for (const key of [
    'preservePermissions',
    'preserveTimestamps',
    'deleteExtraneous',
    'fsync',
    'ignoreHiddenFiles',
  ] as const) {
    if (typeof job[key] !== 'boolean') throw new Error(`${RUNNER_JOB_ENV}: "${key}" must be true or false`);
  }
  if (!Array.isArray(job.filters)) throw new Error(`${RUNNER_JOB_ENV}: "filters" must be a list`);
  if (!Array.isArray(job.watchers)) throw new Error(`${RUNNER_JOB_ENV}: "watchers" must be a list`);
  if (!(LOG_LEVELS as readonly unknown[]).includes(job.logLevel))
    throw new Error(`${RUNNER_JOB_ENV}: "logLevel" must be one of ${LOG_LEVELS.join(', ')}`);
  return job as RunnerJob;
}
