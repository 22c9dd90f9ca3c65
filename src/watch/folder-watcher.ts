import fs from 'node:fs/promises';
import path from 'node:path';
import { ChangeDebouncer } from './change-debouncer.js';
import { type BackendSetting, type ChosenBackend, chooseBackend } from './choose-backend.js';
import {
  type ChangeWindow,
  type CountedWatchEvent,
  countWindowEvents,
  kindsOfWindow,
  type WatchEventKind,
} from './classify-changes.js';
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
const MAX_BATCH_PATHS = 10_000;
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
  /** Changes of the window being handed on (pending until they are). */
  private flushing = 0;
  /** Changes of unwanted kinds: synced with the next batch that triggers (a full run would sync them too). */
  private readonly carried = new Set<string>();
  /** Too many carried changes to list: the next batch is a full run. */
  private carriedTooMany = false;
  private eventsSeen = 0;
  private readonly eventCounts: Partial<Record<CountedWatchEvent, number>> = {};
  private lastEventAt: Date | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Where a watch_path that is a symlink leads (undefined: it is a folder itself). */
  private realRoot: string | undefined;
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
      if (this.state !== 'stopped' && this.state !== 'starting')
        this.hooks.changed({ watcher: this.settings.id, rescan: 'interval' });
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
      eventCounts: { ...this.eventCounts },
      pending: this.window.size + this.flushing,
      ...(this.carried.size > 0 ? { heldBack: this.carried.size } : {}),
      ...(this.lastEventAt ? { lastEventAt: this.lastEventAt.toISOString() } : {}),
    };
  }

  private async watch(): Promise<void> {
    if (this.stopped || !this.backend) return;
    const generation = ++this.generation;
    const folder = this.settings.path;
    if (!(await isFolder(folder))) {
      this.missing(`watch_path "${folder}" is not there (or not a folder); watching starts when it is`);
      return;
    }
    try {
      const subscription = await this.subscribe(generation);
      if (generation !== this.generation) {
        await subscription.close().catch(() => undefined);
        return;
      }
      this.subscription = subscription;
      if (this.state === 'degraded' || this.state === 'error')
        this.hooks.log('info', `watcher ${this.settings.id}: watching again`);
      this.setState('active', undefined);
      // Changes made before the watch was in place (at start, or while it was down) are found by a full run.
      this.hooks.changed({ watcher: this.settings.id, rescan: 'watch-started' });
    } catch (error) {
      if (generation === this.generation)
        await this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** A subscription whose callbacks count while `generation` is current. A watch_path that is a symlink is
   * watched where it leads, its events named under it. */
  private async subscribe(generation: number): Promise<WatchSubscription> {
    const backend = this.backend as WatchBackend;
    const folder = this.settings.path;
    const real = await fs.realpath(folder).catch(() => folder);
    this.realRoot = real === folder ? undefined : real;
    return backend.subscribe(
      real,
      {
        recursive: this.settings.recursive,
        ignoredGlobs: this.filter.nativeIgnoreGlobs(folder),
        isIgnored: (candidate) => this.filter.isIgnored(this.underWatchPath(candidate)),
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
  }

  /**
   * @parcel/watcher (inotify) keeps the old paths of the folders inside a folder moved into the tree: after
   * `mv a b`, a write to `b/sub/x` comes as `a/sub/x`, and nothing is said of a tree moved in from outside. Only
   * a fresh subscription crawls them anew (a second one beside the first shares its stale watches), and the
   * moment between the two is covered by the full run every new watch starts with.
   */
  private async rewatch(): Promise<void> {
    if (this.stopped || this.state !== 'active') return;
    this.generation++;
    await this.dropSubscription();
    await this.watch();
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
    this.countOverflow();
    this.hooks.changed({ watcher: this.settings.id, rescan: 'watch-failed' });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.watch(), everyMs);
  }

  private missing(reason: string): void {
    if (this.state !== 'error' || this.reason !== reason)
      this.hooks.log('warn', `watcher ${this.settings.id}: ${reason}`);
    this.setState('error', reason);
    clearTimeout(this.retryTimer);
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
      const changed = this.underWatchPath(event.path);
      if (changed === root) {
        if (event.type !== 'delete') continue;
        // The watched folder itself went (removed, moved away, unmounted): the mirror follows, and nothing is
        // watched any more until it is back.
        this.handOn([root]);
        void this.fail(new Error('the watched folder was removed'));
        return;
      }
      if (!this.settings.recursive && path.dirname(changed) !== root) continue;
      if (this.filter.target(changed).kind === 'ignored') continue;
      const entry = this.window.get(changed);
      if (entry) {
        entry.types.add(event.type);
        entry.seenAtMs = now;
      } else this.window.set(changed, { types: new Set([event.type]), seenAtMs: now });
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
    this.flushing += window.size;
    try {
      await this.handOnWindow(window);
    } finally {
      this.flushing -= window.size;
      this.hooks.statusChanged();
    }
  }

  private async handOnWindow(window: ChangeWindow): Promise<void> {
    const kinds = await kindsOfWindow(window, this.wanted, (changed) => this.mirrorOf(changed));
    countWindowEvents(this.eventCounts, window, kinds);
    if (this.backend?.name === 'native' && (await holdsMovedTree(window))) void this.rewatch();
    for (const changed of window.keys()) this.carried.add(changed);
    if (this.carried.size > MAX_BATCH_PATHS) {
      this.carried.clear();
      this.carriedTooMany = true;
    }
    if (this.stopped || ![...kinds].some((kind) => this.wanted.has(kind))) return;
    const changed = [...this.carried];
    this.carried.clear();
    const tooMany = this.carriedTooMany;
    this.carriedTooMany = false;
    if (tooMany) {
      this.countOverflow();
      this.hooks.changed({ watcher: this.settings.id, rescan: 'many-changes' });
    } else this.handOn(changed);
  }

  /** Changes that could not be followed one by one (too many, or the watch lost): a full run instead. */
  private countOverflow(): void {
    this.eventCounts.overflow = (this.eventCounts.overflow ?? 0) + 1;
  }

  /** Hands the job absolute changed paths: as paths of its source, or as a full run where they cannot be. */
  private handOn(changed: readonly string[]): void {
    const watcher = this.settings.id;
    const paths = new Set<string>();
    for (const absolute of changed) {
      const target = this.filter.target(absolute);
      if (target.kind === 'outside') {
        this.hooks.changed({ watcher, rescan: 'outside-source' });
        return;
      }
      if (target.kind === 'source') paths.add(cleanAncestor(target.relativePath));
    }
    if (paths.size > MAX_BATCH_PATHS) {
      this.countOverflow();
      this.hooks.changed({ watcher, rescan: 'many-changes' });
    } else if (paths.size > 0) this.hooks.changed({ watcher, paths: [...paths] });
  }

  /** Where a changed path of the source is mirrored (undefined outside the source). */
  private mirrorOf(changed: string): string | undefined {
    const target = this.filter.target(changed);
    return target.kind === 'source' ? path.join(this.filter.destination, target.relativePath) : undefined;
  }

  /** A path the backend reports under the watch_path's real location, named under the watch_path. */
  private underWatchPath(reported: string): string {
    const real = this.realRoot;
    if (real === undefined || (reported !== real && !reported.startsWith(`${real}${path.sep}`)))
      return reported;
    return this.settings.path + reported.slice(real.length);
  }

  private setState(state: WatcherState, reason: string | undefined): void {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = reason;
    this.hooks.statusChanged();
  }
}

/** Whether a window created a folder that holds folders itself: a tree moved or copied in whole. */
async function holdsMovedTree(window: ChangeWindow): Promise<boolean> {
  for (const [changed, { types }] of window) {
    if (!types.has('create')) continue;
    const entries = await fs.readdir(changed, { withFileTypes: true }).catch(() => []);
    if (entries.some((entry) => entry.isDirectory())) return true;
  }
  return false;
}

/**
 * The path itself, or, for a name the backend could not pass on intact (bytes that are not UTF-8 arrive as
 * U+FFFD), its nearest folder whose name is intact: synced as a subtree, it holds the real name.
 */
function cleanAncestor(relativePath: string): string {
  const broken = relativePath.indexOf('\uFFFD');
  if (broken === -1) return relativePath;
  const slash = relativePath.lastIndexOf('/', broken);
  return slash === -1 ? '' : relativePath.slice(0, slash);
}

async function isFolder(folder: string): Promise<boolean> {
  return (await fs.stat(folder).catch(() => undefined))?.isDirectory() === true;
}
