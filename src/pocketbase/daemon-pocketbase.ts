import type Logger from 'bunyan';
import type { LoadedConfig } from '../config/load-config.js';
import { mergePocketBase } from './merge-pocketbase.js';
import { PocketBaseSource, type PocketBaseStatus } from './pocketbase-source.js';

/**
 * PocketBase as a daemon uses it (DESIGN.md, "PocketBase"): each load of the config file (start, reload) adds
 * the jobs and watchers of the server's records, or of their cached copy while the server cannot be reached,
 * logging every record it skips; a change of the records reloads the daemon through the same plan as a file
 * reload. A daemon whose config has no `[pocketbase]` runs from its file alone.
 */
export class DaemonPocketBase {
  private source: PocketBaseSource | undefined;
  private sourceKey = '';
  private onChange: (() => void) | undefined;
  private pollSecs = 300;

  constructor(
    private readonly logger: Logger,
    /** `start --pocketbase-url`, over `pocketbase.url`. */
    private readonly urlOverride?: string,
  ) {}

  async merge(loaded: LoadedConfig): Promise<LoadedConfig> {
    const settings = loaded.config.pocketbase;
    this.pollSecs = loaded.config.daemon.config_refresh_interval_secs;
    if (!settings) {
      await this.replaceSource(undefined, '');
      return loaded;
    }
    const url = this.urlOverride ?? settings.url;
    const { cache } = loaded.config;
    const key = JSON.stringify([settings, url, cache.cache_dir, cache.config_cache_ttl_secs]);
    if (key !== this.sourceKey)
      await this.replaceSource(
        new PocketBaseSource(settings, {
          url,
          cacheDir: cache.cache_dir,
          cacheTtlSecs: cache.config_cache_ttl_secs,
        }),
        key,
      );
    const source = this.source as PocketBaseSource;
    const records = await source.records();
    if (records.problem) this.logger.error({ url }, `PocketBase: ${records.problem}`);
    if (source.isStale())
      this.logger.warn(
        { url, fetchedAt: records.fetchedAt },
        `PocketBase: the cached jobs are older than config_cache_ttl_secs (${cache.config_cache_ttl_secs} s); still used until the server answers`,
      );
    const merged = mergePocketBase(loaded.config, records.jobs, records.watchers, loaded.config.daemon.host);
    for (const problem of merged.problems) this.logger.error({ url }, `PocketBase: ${problem}`);
    this.logger.debug(
      { url, jobs: merged.jobIds, watchers: merged.watcherIds, fromCache: records.fromCache },
      'PocketBase jobs merged',
    );
    return { ...loaded, config: merged.config };
  }

  /** From now on, a change of the records calls `onChange` (the daemon reloads). */
  startWatching(onChange: () => void): void {
    this.onChange = onChange;
    void this.source?.watch(onChange, this.pollSecs);
  }

  status(): PocketBaseStatus | undefined {
    return this.source?.status();
  }

  close(): Promise<void> {
    return this.replaceSource(undefined, '');
  }

  private async replaceSource(source: PocketBaseSource | undefined, key: string): Promise<void> {
    const old = this.source;
    this.source = source;
    this.sourceKey = key;
    await old?.close();
    if (source && this.onChange) void source.watch(this.onChange, this.pollSecs);
  }
}
