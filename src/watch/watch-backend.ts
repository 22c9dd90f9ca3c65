/** What every backend reports: a path (absolute) that was created, changed or deleted. */
export interface RawWatchEvent {
  path: string;
  type: 'create' | 'update' | 'delete';
}

export type WatchBackendName = 'native' | 'chokidar' | 'polling';

export interface WatchOptions {
  recursive: boolean;
  /**
   * Globs (relative to the watched folder) of what need not be watched at all (a busy `.git/` costs nothing),
   * wherever below it they appear.
   */
  ignoredGlobs: readonly string[];
  /** Says whether an absolute path is left out; chokidar asks per path, and skips the folders it leaves out. */
  isIgnored: (absolutePath: string) => boolean;
  pollIntervalMs: number;
}

export interface WatchSubscription {
  close(): Promise<void>;
}

export interface WatchHandlers {
  events(events: RawWatchEvent[]): void;
  /** The watch failed after it started (overflow, the folder gone): the watcher rescans and watches again. */
  error(error: Error): void;
}

/**
 * The one interface the runner's watchers see (issue 9): @parcel/watcher, chokidar or polling behind it.
 * `subscribe` resolves once the watch is in place, so a scan started after it misses no change.
 */
export interface WatchBackend {
  readonly name: WatchBackendName;
  subscribe(folder: string, options: WatchOptions, handlers: WatchHandlers): Promise<WatchSubscription>;
}
