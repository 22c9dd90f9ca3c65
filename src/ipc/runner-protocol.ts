import { LOG_LEVELS, type LogLevel } from '../config/log-levels.js';
import type { PlannedChanges } from '../engine/plan-collector.js';
import type { SyncFileError, SyncOutcome, SyncProgress, SyncStats } from '../engine/types.js';
import type { RescanReason, WatcherState, WatcherStatus } from '../watch/watcher-settings.js';

// The one protocol between the supervisor and a runner, used by both sides (DESIGN.md, "IPC messages").
// Every message is checked on arrival: the type system cannot see across a process boundary.

/** One structured log line from a runner; the supervisor adds the job and writes it to its logger. */
export interface LogRecord {
  level: LogLevel;
  time: string;
  msg: string;
  runId?: string;
}

export type SupervisorToRunner =
  | { type: 'sync'; runId: string; mode: 'full' | 'paths'; paths?: string[]; dryRun?: boolean }
  | { type: 'stop' };

export type RunnerToSupervisor =
  | { type: 'ready' }
  /** A watcher saw changes: these paths of the source (relative), or a full run (`rescan`, and why). */
  | { type: 'changed'; watcher: string; paths?: string[]; rescan?: RescanReason }
  /** The job's watchers as `status` shows them, and the inotify watches the runner holds. */
  | { type: 'watchers'; watchers: WatcherStatus[]; inotifyWatches?: number }
  | { type: 'log'; records: LogRecord[] }
  | { type: 'progress'; runId: string; progress: SyncProgress }
  | {
      type: 'result';
      runId: string;
      outcome: SyncOutcome;
      stats: SyncStats;
      /**
       * The errors worth showing first (see select-reported-errors.ts); `stats.errors` counts them all, so those
       * left out are `stats.errors - errors.length`.
       */
      errors: SyncFileError[];
      /** How many errors of each code the run had, all of them (the metrics count them by reason). */
      errorCounts?: Record<string, number>;
      warnings: string[];
      /** A dry run's planned changes. */
      plan?: PlannedChanges;
    };

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

const KNOWN_LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);
const OUTCOMES = new Set(['ok', 'partial', 'failed']);
const RESCAN_REASONS: ReadonlySet<string> = new Set<RescanReason>([
  'watch-started',
  'watch-failed',
  'interval',
  'outside-source',
  'many-changes',
]);

/** Checks what a runner received; a bad message is described, never thrown. */
export function parseSupervisorMessage(value: unknown): Parsed<SupervisorToRunner> {
  if (!isObject(value)) return invalid(value, 'an object');
  switch (value.type) {
    case 'sync': {
      if (typeof value.runId !== 'string' || value.runId === '') return invalid(value, 'a sync with a runId');
      if (value.mode !== 'full' && value.mode !== 'paths') return invalid(value, 'mode "full" or "paths"');
      if (value.paths !== undefined && !(isStringArray(value.paths) && value.paths.every(isRelativePath)))
        return invalid(value, 'paths relative to the source, without "." or ".." segments');
      if (value.dryRun !== undefined && typeof value.dryRun !== 'boolean')
        return invalid(value, 'dryRun as a boolean');
      return { ok: true, message: value as SupervisorToRunner };
    }
    case 'stop':
      return { ok: true, message: { type: 'stop' } };
    default:
      return invalid(value, 'a message of type "sync" or "stop"');
  }
}

/** Checks what the supervisor received from a runner. */
export function parseRunnerMessage(value: unknown): Parsed<RunnerToSupervisor> {
  if (!isObject(value)) return invalid(value, 'an object');
  switch (value.type) {
    case 'ready':
      return { ok: true, message: { type: 'ready' } };
    case 'log':
      if (!Array.isArray(value.records) || !value.records.every(isLogRecord))
        return invalid(value, 'log records');
      return { ok: true, message: value as RunnerToSupervisor };
    case 'changed':
      if (
        typeof value.watcher !== 'string' ||
        (value.paths === undefined) === (value.rescan === undefined) ||
        (value.paths !== undefined && !(isStringArray(value.paths) && value.paths.every(isRelativePath))) ||
        (value.rescan !== undefined && !RESCAN_REASONS.has(value.rescan as string))
      )
        return invalid(value, 'a change with a watcher and either paths or a rescan reason');
      return { ok: true, message: value as RunnerToSupervisor };
    case 'watchers':
      if (
        !Array.isArray(value.watchers) ||
        !value.watchers.every(isWatcherStatus) ||
        (value.inotifyWatches !== undefined && typeof value.inotifyWatches !== 'number')
      )
        return invalid(value, 'a list of watcher statuses');
      return { ok: true, message: value as RunnerToSupervisor };
    case 'progress':
      if (typeof value.runId !== 'string' || !isObject(value.progress))
        return invalid(value, 'a progress report');
      return { ok: true, message: value as RunnerToSupervisor };
    case 'result':
      if (
        typeof value.runId !== 'string' ||
        !OUTCOMES.has(value.outcome as string) ||
        !isObject(value.stats) ||
        !Array.isArray(value.errors) ||
        !isStringArray(value.warnings) ||
        (value.errorCounts !== undefined && !isCountsByCode(value.errorCounts)) ||
        (value.plan !== undefined && !isPlannedChanges(value.plan))
      ) {
        return invalid(value, 'a result with runId, outcome, stats, errors and warnings');
      }
      return { ok: true, message: value as RunnerToSupervisor };
    default:
      return invalid(
        value,
        'a message of type "ready", "log", "changed", "watchers", "progress" or "result"',
      );
  }
}

function isPlannedChanges(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.omitted === 'number' &&
    Array.isArray(value.entries) &&
    value.entries.every(
      (entry) => isObject(entry) && typeof entry.action === 'string' && typeof entry.path === 'string',
    )
  );
}

const WATCHER_STATES: ReadonlySet<string> = new Set<WatcherState>([
  'starting',
  'active',
  'degraded',
  'error',
  'stopped',
]);

function isWatcherStatus(value: unknown): value is WatcherStatus {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.path === 'string' &&
    WATCHER_STATES.has(value.state as string) &&
    typeof value.eventsSeen === 'number' &&
    typeof value.pending === 'number' &&
    (value.heldBack === undefined || typeof value.heldBack === 'number') &&
    (value.eventCounts === undefined || isCountsByCode(value.eventCounts)) &&
    ['backend', 'reason'].every((key) => value[key] === undefined || typeof value[key] === 'string') &&
    (value.lastEventAt === undefined ||
      (typeof value.lastEventAt === 'string' && !Number.isNaN(Date.parse(value.lastEventAt))))
  );
}

function isCountsByCode(value: unknown): boolean {
  return (
    isObject(value) &&
    Object.values(value).every((count) => typeof count === 'number' && Number.isInteger(count) && count >= 0)
  );
}

/** A changed path as the engine may take it: relative, "/"-separated, no "", "." or ".." segment, no NUL. */
function isRelativePath(path: string): boolean {
  return (
    path === '' ||
    (!path.startsWith('/') &&
      !path.includes('\0') &&
      path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..'))
  );
}

function isLogRecord(value: unknown): value is LogRecord {
  return (
    isObject(value) &&
    KNOWN_LEVELS.has(value.level as string) &&
    typeof value.time === 'string' &&
    typeof value.msg === 'string'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function invalid(value: unknown, expected: string): { ok: false; error: string } {
  const shown = JSON.stringify(value)?.slice(0, 200) ?? String(value);
  return { ok: false, error: `unexpected IPC message ${shown}: expected ${expected}` };
}
