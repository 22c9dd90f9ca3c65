import type { BackendSetting } from './choose-backend.js';
import type { WatchEventKind } from './classify-changes.js';

/** One `[[file_watchers]]` entry as its job's runner gets it (paths absolute, defaults filled in). */
export interface WatcherSettings {
  id: string;
  path: string;
  recursive: boolean;
  debounceMs: number;
  events: WatchEventKind[];
  backend: BackendSetting;
  pollIntervalMs: number;
  fullRescanIntervalSecs: number;
}

export type WatcherState = 'starting' | 'active' | 'degraded' | 'error' | 'stopped';

/** A watcher as `status` shows it. */
export interface WatcherStatus {
  id: string;
  path: string;
  /** The backend running (undefined until one is loaded). */
  backend?: string;
  state: WatcherState;
  /** Why it is degraded or in error, and what it does meanwhile. */
  reason?: string;
  eventsSeen: number;
  /** Changes by kind since the watcher started (`overflow`: too many, or the watch lost), for the metrics. */
  eventCounts?: Partial<Record<'create' | 'write' | 'remove' | 'rename' | 'chmod' | 'overflow', number>>;
  /** Changes seen whose debounce window is still open. */
  pending: number;
  /** Changes of kinds that start no sync (`watch_events`), held for the next sync that starts. */
  heldBack?: number;
  lastEventAt?: string;
}

/** Why a watcher asks for a full run rather than a list of paths. */
export type RescanReason = 'watch-started' | 'watch-failed' | 'interval' | 'outside-source' | 'many-changes';

/** What a watcher hands its job: the changed paths of the source (relative), or a full run and why. */
export type ChangeBatch = { watcher: string; paths: string[] } | { watcher: string; rescan: RescanReason };
