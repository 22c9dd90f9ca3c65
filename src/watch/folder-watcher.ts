import fs from 'node:fs/promises';
import path from 'node:path';
import { ChangeDebouncer } from './change-debouncer.js';
import { type BackendSetting, type ChosenBackend, chooseBackend } from './choose-backend.js';
import { type ChangeWindow, kindsOfWindow, type WatchEventKind } from './classify-changes.js';
import { describeWatchError } from './describe-watch-error.js';
import type { RawWatchEvent, WatchBackend, WatchSubscription } from './watch-backend.js';
import type { WatchFilter } from './watch-filter.js';
import type { ChangeBatch, WatcherSettings, WatcherState, WatcherStatus } from './watcher-settings.js';

export interface FolderWatcherHooks {
  changed(batch: ChangeBatch): void;
  /** State or counters changed: the job publishes its watchers' status. */
  statusChanged(): void;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

/** More changed paths than this in one batch: a full run costs less than the list. */
export const MAX_BATCH_PATHS = 10_000;
/** How often a watcher whose folder is missing looks for it again. */
const MISSING_FOLDER_POLL_MS = 1000;
/** The longest a degraded watcher waits between full runs (and attempts to watch again). */
const MAX_DEGRADED_RESCAN_MS = 30_000;
// setTimeout's ceiling; a longer rescan interval simply rescans a little early.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One `[[file_watchers]]` entry, alive for as long as its runner: watches its folder through a backend, keeps
 * what changed in a debounce window, and hands the job a batch of changed paths (or asks for a full run) when
 * the window closes with a change of a wanted kind. It never throws and never stops on a failure: it degrades
 * to full runs, says why once, and watches again as soon as it can.
 */
export class FolderWatcher {
  private state: WatcherState = 'starting';
  private reason: string | undefined;
  private backend: WatchBackend | undefined;
  private subscription: WatchSubscription | undefined;
  /** Bumped by every new attempt to watch: callbacks of an older subscription are ignored. */
  private generation = 0;
  private window: ChangeWindow = new Map();
  /** Changes of unwanted kinds: synced with the next batch that triggers (a full run would sync them too). */
  private readonly carried = new Set<string>();
  /** Too many carried changes to list: the next batch is a full run. */
  private carriedTooMany = false;
  private eventsSeen = 0;
  private lastEventAt: Date | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly debouncer: ChangeDebouncer;
  private readonly wanted: ReadonlySet<WatchEventKind>;

  constructor(
    private readonly settings: WatcherSettings,
    private readonly filter: WatchFilter,
    private readonly hooks: FolderWatcherHooks,
    private readonly loadBackend: (setting: BackendSetting) => Promise<ChosenBackend> = chooseBackend,
  ) {
    this.debouncer = new ChangeDebouncer(settings.debounceMs, () => void this.flush());
    this.wanted = new Set(settings.events);
  }

  async start(): Promise<void> {
    const chosen = await this.loadBackend(this.settings.backend);
    if (chosen.fallbackReason)
      this.hooks.log('warn', `watcher ${this.settings.id}: ${chosen.fallbackReason}`);
    this.backend = chosen.backend;
    const intervalMs = Math.min(this.settings.fullRescanIntervalSecs * 1000, MAX_TIMER_MS);
    this.rescanTimer = setInterval(() => {
      if (this.state === 'active') this.hooks.changed({ watcher: this.settings.id, rescan: 'interval' });
    }, intervalMs);
    await this.watch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.rescanTimer);
    this.debouncer.cancel();
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close().catch(() => undefined);
    this.setState('stopped', undefined);
  }

  status(): WatcherStatus {
    return {
      id: this.settings.id,
      path: this.settings.path,
      ...(this.backend ? { backend: this.backend.name } : {}),
      state: this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      eventsSeen: this.eventsSeen,
      pending: this.window.size,
      ...(this.carried.size > 0 ? { heldBack: this.carried.size } : {}),
      ...(this.lastEventAt ? { lastEventAt: this.lastEventAt.toISOString() } : {}),
    };
  }

  private async watch(): Promise<void> {
    const backend = this.backend;
    if (this.stopped || !backend) return;
    const generation = ++this.generation;
    const folder = this.settings.path;
    if (!(await isFolder(folder))) {
      this.missing(`watch_path "${folder}" is not there (or not a folder); watching starts when it is`);
      return;
    }
    try {
      const subscription = await backend.subscribe(
        folder,
        {
          recursive: this.settings.recursive,
          ignoredFolders: [],
          ignoredGlobs: this.filter.nativeIgnoreGlobs(folder),
          isIgnored: this.filter.isIgnored,
          pollIntervalMs: this.settings.pollIntervalMs,
        },
        {
          events: (events) => {
            if (generation === this.generation) this.receive(events);
          },
          error: (error) => {
            if (generation === this.generation) void this.fail(error);
          },
        },
      );
      if (generation !== this.generation) {
        await subscription.close().catch(() => undefined);
        return;
      }
      this.subscription = subscription;
      if (this.state !== 'starting') this.hooks.log('info', `watcher ${this.settings.id}: watching again`);
      this.setState('active', undefined);
      // Changes made before the watch was in place (at start, or while it was down) are found by a full run.
      this.hooks.changed({ watcher: this.settings.id, rescan: 'watch-started' });
    } catch (error) {
      if (generation === this.generation)
        await this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The watch failed: full runs stand in for it, and it is tried again, until it works. */
  private async fail(error: Error): Promise<void> {
    const generation = ++this.generation;
    await this.dropSubscription();
    if (this.stopped) return;
    if (!(await isFolder(this.settings.path))) {
      this.missing(`watch_path "${this.settings.path}" is gone; watching starts again when it is back`);
      return;
    }
    const reason = await describeWatchError(error, this.settings.path);
    if (this.stopped || generation !== this.generation) return;
    const everyMs = Math.min(this.settings.fullRescanIntervalSecs * 1000, MAX_DEGRADED_RESCAN_MS);
    const fallback = `${reason}; meanwhile a full sync runs every ${Math.round(everyMs / 1000)}s`;
    // Said once per failure, not at every attempt to watch again.
    if (this.state !== 'degraded' || this.reason !== fallback)
      this.hooks.log('warn', `watcher ${this.settings.id}: ${fallback}`);
    this.setState('degraded', fallback);
    this.hooks.changed({ watcher: this.settings.id, rescan: 'watch-failed' });
    this.retryTimer = setTimeout(() => void this.watch(), everyMs);
  }

  private missing(reason: string): void {
    if (this.state !== 'error' || this.reason !== reason)
      this.hooks.log('warn', `watcher ${this.settings.id}: ${reason}`);
    this.setState('error', reason);
    this.retryTimer = setTimeout(() => void this.watch(), MISSING_FOLDER_POLL_MS);
  }

  private async dropSubscription(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close().catch(() => undefined);
  }

  private receive(events: RawWatchEvent[]): void {
    const root = this.settings.path;
    const now = Date.now();
    let seen = 0;
    for (const event of events) {
      if (event.path === root) {
        // The watched folder itself went: nothing is watched any more until it is back.
        if (event.type === 'delete') void this.fail(new Error('the watched folder was removed'));
        continue;
      }
      if (!this.settings.recursive && path.dirname(event.path) !== root) continue;
      if (this.filter.target(event.path).kind === 'ignored') continue;
      const entry = this.window.get(event.path);
      if (entry) {
        entry.types.add(event.type);
        entry.seenAtMs = now;
      } else this.window.set(event.path, { types: new Set([event.type]), seenAtMs: now });
      seen++;
    }
    if (seen === 0) return;
    this.eventsSeen += seen;
    this.lastEventAt = new Date(now);
    this.debouncer.touch();
    this.hooks.statusChanged();
  }

  private async flush(): Promise<void> {
    const window = this.window;
    this.window = new Map();
    const kinds = await kindsOfWindow(window, this.wanted);
    this.hooks.statusChanged();
    for (const changed of window.keys()) this.carried.add(changed);
    if (this.carried.size > MAX_BATCH_PATHS) {
      this.carried.clear();
      this.carriedTooMany = true;
    }
    if (this.stopped || ![...kinds].some((kind) => this.wanted.has(kind))) return;
    const paths: string[] = [];
    let outside = false;
    for (const changed of this.carried) {
      const target = this.filter.target(changed);
      if (target.kind === 'source') paths.push(target.relativePath);
      else if (target.kind === 'outside') outside = true;
    }
    this.carried.clear();
    const tooMany = this.carriedTooMany || paths.length > MAX_BATCH_PATHS;
    this.carriedTooMany = false;
    const watcher = this.settings.id;
    if (outside) this.hooks.changed({ watcher, rescan: 'outside-source' });
    else if (tooMany) this.hooks.changed({ watcher, rescan: 'many-changes' });
    else if (paths.length > 0) this.hooks.changed({ watcher, paths });
  }

  private setState(state: WatcherState, reason: string | undefined): void {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = reason;
    this.hooks.statusChanged();
  }
}

async function isFolder(folder: string): Promise<boolean> {
  return (await fs.stat(folder).catch(() => undefined))?.isDirectory() === true;
}
