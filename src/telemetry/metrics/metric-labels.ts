// The closed value sets of every label but `sync_job` (DESIGN.md, "Metrics"). Each is a tuple so that one list
// gives both the type and the values to pre-create and to remove series with.

/** How a run ended: the engine's outcome. */
export const RUN_RESULTS = ['ok', 'partial', 'failed'] as const;
export type RunResult = (typeof RUN_RESULTS)[number];

/** Why a run was asked for. */
export const TRIGGER_REASONS = ['interval', 'cron', 'manual', 'watch', 'startup', 'retry'] as const;
export type TriggerReason = (typeof TRIGGER_REASONS)[number];

/** Why a trigger was refused. */
export const TRIGGER_REJECT_REASONS = ['queue_full', 'paused', 'disabled', 'stopping'] as const;
export type TriggerRejectReason = (typeof TRIGGER_REJECT_REASONS)[number];

/** A runner's lifecycle state; the same set as `RunnerState` in control/daemon-api.ts (a test holds them equal). */
export const RUNNER_STATES = [
  'starting',
  'idle',
  'syncing',
  'stopping',
  'stopped',
  'backoff',
  'crashloop',
] as const;
export type MetricsRunnerState = (typeof RUNNER_STATES)[number];

/** The states in which the runner's process exists. */
export const RUNNER_ALIVE_STATES: ReadonlySet<MetricsRunnerState> = new Set([
  'starting',
  'idle',
  'syncing',
  'stopping',
]);

/** What a file watcher reported. */
export const WATCHER_EVENTS = ['create', 'write', 'remove', 'rename', 'chmod', 'overflow'] as const;
export type WatcherEvent = (typeof WATCHER_EVENTS)[number];

/** The kind of a sync error, mapped from the engine's open set of codes by `errorReason`. */
export const ERROR_REASONS = [
  'permission',
  'no_space',
  'missing',
  'safety_guard',
  'crash',
  'timeout',
  'lock',
  'io',
  'other',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/** Whether a config reload was applied. */
export const CONFIG_RELOAD_RESULTS = ['ok', 'failed'] as const;
export type ConfigReloadResult = (typeof CONFIG_RELOAD_RESULTS)[number];
