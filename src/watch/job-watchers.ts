import { FolderWatcher } from './folder-watcher.js';
import { countInotifyWatches } from './inotify-watch-count.js';
import { WatchFilter, type WatchFilterJob } from './watch-filter.js';
import type { ChangeBatch, WatcherSettings, WatcherStatus } from './watcher-settings.js';

export interface JobWatchersHooks {
  changed(batch: ChangeBatch): void;
  /** Every watcher's status, and the inotify watches the runner holds (Linux). */
  status(watchers: WatcherStatus[], inotifyWatches: number | undefined): void;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

/** Status goes out at most this often: a burst of events must not become a burst of IPC messages. */
const STATUS_INTERVAL_MS = 500;

/** A job's watchers, in its runner: started together, reported together, stopped together. */
export class JobWatchers {
  private readonly watchers: FolderWatcher[];
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatusAt = 0;
  private stopped = false;

  constructor(
    job: WatchFilterJob,
    settings: readonly WatcherSettings[],
    private readonly hooks: JobWatchersHooks,
  ) {
    const filter = new WatchFilter(job);
    const watcherHooks = {
      changed: (batch: ChangeBatch) => hooks.changed(batch),
      statusChanged: () => this.scheduleStatus(),
      log: hooks.log,
    };
    this.watchers = settings.map((watcher) => new FolderWatcher(watcher, filter, watcherHooks));
  }

  get size(): number {
    return this.watchers.length;
  }

  async start(): Promise<void> {
    await Promise.all(this.watchers.map((watcher) => watcher.start()));
    this.scheduleStatus();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.statusTimer);
    await Promise.all(this.watchers.map((watcher) => watcher.stop()));
  }

  private scheduleStatus(): void {
    if (this.stopped || this.statusTimer) return;
    const delay = Math.max(0, this.lastStatusAt + STATUS_INTERVAL_MS - Date.now());
    this.statusTimer = setTimeout(() => void this.publishStatus(), delay);
  }

  private async publishStatus(): Promise<void> {
    this.statusTimer = undefined;
    this.lastStatusAt = Date.now();
    const inotifyWatches = await countInotifyWatches();
    if (this.stopped) return;
    this.hooks.status(
      this.watchers.map((watcher) => watcher.status()),
      inotifyWatches,
    );
  }
}
