import type { PlannedChanges } from '../engine/plan-collector.js';
import type { SyncFileError, SyncOutcome, SyncProgress, SyncStats } from '../engine/types.js';
import type { WatcherStatus } from '../watch/watcher-settings.js';

// What the control methods answer (DESIGN.md, "Control protocol"): shared by the daemon and the CLI, so both
// sides agree on every field. The CLI checks the few fields it acts on (see check-replies.ts).

/**
 * A job's runner as `status` shows it, a closed set (STYLE.md rule 10): the protocol owns the names it sends,
 * and the supervisor's RunnerHandle moves through them.
 */
export type RunnerState = 'starting' | 'idle' | 'syncing' | 'stopping' | 'stopped' | 'backoff' | 'crashloop';

/** A job's state as `status` shows it: the runner's own state, or what the supervisor knows above it. */
export type JobState = RunnerState | 'queued' | 'paused' | 'disabled';

export interface RunSummary {
  runId: string;
  reasons: string[];
  dryRun: boolean;
  outcome: SyncOutcome;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  stats: SyncStats;
  /** A few errors, each with its path, those about a whole folder first; `stats.errors` counts them all. */
  errors: SyncFileError[];
  /** How many errors of the run `errors` leaves out. */
  errorsOmitted: number;
  warnings: string[];
}

export interface CurrentRun {
  runId: string;
  reasons: string[];
  dryRun: boolean;
  startedAt: string;
  progress?: SyncProgress;
}

export interface JobStatus {
  id: string;
  name?: string;
  state: JobState;
  runnerPid?: number;
  restarts: number;
  schedule: string;
  nextRunAt?: string;
  current?: CurrentRun;
  lastRun?: RunSummary;
  /** Triggers refused: a full queue, or (the daemon's own schedule and retries) any other refusal or failure. */
  rejectedTriggers: number;
  /** The job's file watchers, as its runner last reported them. */
  watching?: JobWatchersStatus;
}

export interface JobWatchersStatus {
  watchers: WatcherStatus[];
  /** inotify watches the job's runner holds (Linux): one per watched folder with the native backend. */
  inotifyWatches?: number;
}

export interface DaemonStatus {
  pid: number;
  version: string;
  startedAt: string;
  uptimeMs: number;
  configFile: string;
  configLoadedAt: string;
  socketPath: string;
  stopTimeoutSecs: number;
  stopping: boolean;
  queue: { waiting: number; size: number };
  syncing: number;
  maxConcurrentSyncs: number;
  jobs: JobStatus[];
  /** The daemon's log file, and what keeps it from being written if anything does. */
  logFile?: { path: string; problem?: string };
  /** The metrics server (absent when `[metrics] address` is "off"): where it listens, or why it cannot. */
  metrics?: { address: string; listening: boolean; problem?: string };
  /**
   * Where PocketBase's jobs came from (absent without `[pocketbase]`): when, from the cache or not (`stale`: one
   * older than config_cache_ttl_secs), and why.
   */
  pocketbase?: { url: string; fetchedAt?: string; fromCache: boolean; stale?: boolean; problem?: string };
  /**
   * This daemon in the fleet's PocketBase (absent without `[pocketbase]`): its host, its last heartbeat taken, and
   * its upload spool (records waiting, uploaded, dropped because the spool was full, refused by the server).
   */
  /** The service manager that runs the daemon (`sync-daemon install`): stop and restart go through it. */
  service?: { manager: 'systemd' | 'launchd' | 'winsw' | 'nssm'; scope: 'system' | 'user'; name: string };
  fleet?: {
    host: string;
    heartbeatIntervalSecs: number;
    heartbeatAt?: string;
    spooled: number;
    uploaded: number;
    dropped: number;
    rejected: number;
    problem?: string;
    /**
     * The whole fleet as the daemons collection said at `readAt` (read at the first heartbeat, then every 5
     * minutes): daemons by liveness, and the hosts of those not alive (10 at most).
     */
    daemons?: {
      readAt: string;
      alive: number;
      late: number;
      gone: number;
      stopped: number;
      notAlive: { host: string; liveness: 'late' | 'gone' | 'stopped' }[];
    };
  };
}

export type TriggerOutcome = 'queued' | 'merged' | 'pending';

export interface TriggerReply {
  job: string;
  runId: string;
  outcome: TriggerOutcome;
}

/** One run as `sync --wait` follows it. */
export type RunReply =
  | { state: 'queued'; job: string; runId: string }
  | { state: 'syncing'; job: string; runId: string; progress?: SyncProgress }
  | { state: 'done'; job: string; runId: string; run: RunSummary; plan?: PlannedChanges }
  | { state: 'unknown'; job: string; runId: string };

export interface ReloadReply {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
  warnings: string[];
}

export interface StopReply {
  pid: number;
  stopTimeoutSecs: number;
}
