import fs from 'node:fs/promises';
import path from 'node:path';
import type { DaemonStatus } from '../control/daemon-api.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { FILE_WATCHERS, SYNC_JOBS } from './collection-schemas.js';
import { callPocketBase, type PocketBaseSettings } from './connect-pocketbase.js';
import type { PocketBaseRecord } from './merge-pocketbase.js';
import { PocketBaseSession } from './pocketbase-session.js';

/** The records a daemon runs from, and where they came from. */
export interface PocketBaseRecords {
  jobs: PocketBaseRecord[];
  watchers: PocketBaseRecord[];
  /** When they were read from the server (for cached records: when the cache was written). */
  fetchedAt: string;
  fromCache: boolean;
  /** Why the server was not used (unreachable, credentials refused), when it was not. */
  problem?: string;
}

/** What `status` says of PocketBase (the control protocol's shape). */
export type PocketBaseStatus = NonNullable<DaemonStatus['pocketbase']>;

interface CacheFile {
  url: string;
  fetchedAt: string;
  jobs: PocketBaseRecord[];
  watchers: PocketBaseRecord[];
}

/**
 * The daemon's link to PocketBase: reads the job and watcher records (retried `retry_attempts` times,
 * `retry_delay_secs` apart), keeps the last good read in `cache_dir` so that a daemon started or running while
 * the server is down keeps syncing from it, and says when the records change (realtime, and a poll every
 * `config_refresh_interval_secs` in case realtime is down).
 */
export class PocketBaseSource {
  private readonly session: PocketBaseSession;
  private last: PocketBaseRecords | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private resubscribeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly settings: PocketBaseSettings,
    private readonly options: { url: string; cacheDir: string; cacheTtlSecs: number },
  ) {
    this.session = new PocketBaseSession(settings, options.url);
  }

  private get cacheFile(): string {
    return path.join(this.options.cacheDir, 'pocketbase-config.json');
  }

  /** The records now: from the server, else from the cache, else none (with the reason). */
  async records(): Promise<PocketBaseRecords> {
    let records: Omit<PocketBaseRecords, 'fromCache'>;
    try {
      records = await this.withRetries(() => this.fetch());
    } catch (error) {
      const problem = (error as Error).message;
      const cached = await this.readCache();
      this.last = cached
        ? {
            ...cached,
            fromCache: true,
            problem: `${problem}; running from the copy fetched at ${cached.fetchedAt}`,
          }
        : {
            jobs: [],
            watchers: [],
            fetchedAt: '',
            fromCache: false,
            problem: `${problem}; no copy in cache yet`,
          };
      return this.last;
    }
    // A copy that cannot be kept (cache_dir not writable) costs the next outage, not these records.
    const cacheProblem = await writeFileAtomic(
      this.cacheFile,
      JSON.stringify({ url: this.options.url, ...records }),
    ).then(
      () => undefined,
      (error: unknown) =>
        `the copy for outages could not be written to ${this.cacheFile}: ${(error as Error).message}`,
    );
    this.last = { ...records, fromCache: false, ...(cacheProblem ? { problem: cacheProblem } : {}) };
    return this.last;
  }

  status(): PocketBaseStatus {
    const last = this.last;
    return {
      url: this.options.url,
      fromCache: last?.fromCache ?? false,
      ...(this.isStale() ? { stale: true } : {}),
      ...(last?.fetchedAt ? { fetchedAt: last.fetchedAt } : {}),
      ...(last?.problem ? { problem: last.problem } : {}),
    };
  }

  /** Whether the cached records in use are older than `config_cache_ttl_secs`. */
  isStale(now = Date.now()): boolean {
    const last = this.last;
    return last?.fromCache === true && now - Date.parse(last.fetchedAt) > this.options.cacheTtlSecs * 1000;
  }

  /**
   * Calls `changed` (at most every 200 ms) when a record is created, updated or deleted, when realtime comes
   * back after a break (what changed meanwhile was not told), and every `pollSecs` whatever happens. A
   * subscription that cannot be made (the server down) is tried again every `retry_delay_secs` until it is.
   */
  async watch(changed: () => void, pollSecs: number): Promise<void> {
    const soon = () => {
      if (this.closed || this.changeTimer) return;
      this.changeTimer = setTimeout(() => {
        this.changeTimer = undefined;
        changed();
      }, 200);
    };
    this.pollTimer = setInterval(soon, pollSecs * 1000);
    this.pollTimer.unref();
    await this.subscribe(soon, false);
  }

  /** `retried`: an earlier try failed, so what changed meanwhile is looked at once subscribed. */
  private async subscribe(soon: () => void, retried: boolean): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.session.connected();
      let connects = 0;
      // PB_CONNECT comes at the first connection and at each one after a break: the later ones mean "look again".
      await client.realtime.subscribe('PB_CONNECT', () => {
        if (connects++ > 0) soon();
      });
      for (const name of [SYNC_JOBS.name, FILE_WATCHERS.name])
        await client.collection(name).subscribe('*', soon);
      // Closed while subscribing: the connection it just made goes too.
      if (this.closed) this.session.drop();
      else if (retried) soon();
    } catch {
      // Realtime is a shortcut (the poll brings every change anyway): tried again until it is there.
      this.session.drop();
      if (this.closed) return;
      this.resubscribeTimer = setTimeout(
        () => void this.subscribe(soon, true),
        this.settings.retry_delay_secs * 1000 || 1000,
      );
      this.resubscribeTimer.unref();
    }
  }

  /** Stops polling and closes the realtime connection at once. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.changeTimer);
    clearTimeout(this.resubscribeTimer);
    this.session.drop();
  }

  private async fetch(): Promise<Omit<PocketBaseRecords, 'fromCache'>> {
    const client = await this.session.connected();
    const read = (name: string) =>
      callPocketBase(
        client,
        `reading collection ${name}`,
        async () => (await client.collection(name).getFullList({ batch: 500 })) as PocketBaseRecord[],
      );
    const [jobs, watchers] = await Promise.all([read(SYNC_JOBS.name), read(FILE_WATCHERS.name)]);
    return { jobs, watchers, fetchedAt: new Date().toISOString() };
  }

  private async withRetries<T>(action: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        // Only an unreachable server is worth asking again; refused credentials stay refused.
        const unreachable = (error as { code?: string }).code === 'POCKETBASE_UNREACHABLE';
        if (!unreachable || attempt >= this.settings.retry_attempts || this.closed) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.settings.retry_delay_secs * 1000));
      }
    }
  }

  private async readCache(): Promise<CacheFile | undefined> {
    try {
      const cache = JSON.parse(await fs.readFile(this.cacheFile, 'utf8')) as CacheFile;
      return Array.isArray(cache.jobs) && Array.isArray(cache.watchers) && typeof cache.fetchedAt === 'string'
        ? cache
        : undefined;
    } catch {
      return undefined;
    }
  }
}
