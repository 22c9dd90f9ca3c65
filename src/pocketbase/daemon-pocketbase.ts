import type Logger from 'bunyan';
import type { LoadedConfig } from '../config/load-config.js';
import type { JobStatus, RunSummary } from '../control/daemon-api.js';
import type { DaemonMetrics } from '../telemetry/metrics/daemon-metrics.js';
import { SYNC_DAEMONS } from './collection-schemas.js';
import { FleetReporter, type FleetStatus } from './fleet-reporter.js';
import { mergePocketBase } from './merge-pocketbase.js';
import { PocketBaseSource, type PocketBaseStatus } from './pocketbase-source.js';

export interface DaemonPocketBaseOptions {
  logger: Logger;
  /** `start --pocketbase-url`, over `pocketbase.url`. */
  urlOverride?: string | undefined;
  version: string;
  startedAt: Date;
  metrics?: DaemonMetrics | undefined;
  /** The jobs as `status` shows them (the heartbeat's job states). */
  jobs: () => readonly JobStatus[];
  /** Where the daemon's log records go from now on, besides its file (the fleet's spool), or nowhere else. */
  uploadLogs: (upload: ((level: number, line: string) => void) | undefined) => void;
}

/**
 * PocketBase as a daemon uses it (DESIGN.md, "PocketBase"): each load of the config file (start, reload) adds
 * the jobs and watchers of the server's records, or of their cached copy while the server cannot be reached,
 * logging every record it skips; a change of the records reloads the daemon through the same plan as a file
 * reload. The daemon also reports to the fleet there: heartbeats, run records and log records (FleetReporter).
 * A daemon whose config has no `[pocketbase]` runs from its file alone.
 */
export class DaemonPocketBase {
  private source: PocketBaseSource | undefined;
  private sourceKey = '';
  private reporter: FleetReporter | undefined;
  private reporterKey = '';
  private onChange: (() => void) | undefined;
  private pollSecs = 300;
  private readonly logger: Logger;

  constructor(private readonly options: DaemonPocketBaseOptions) {
    this.logger = options.logger;
  }

  /**
   * The fleet's reporter for this config (made again when its settings changed, closed without `[pocketbase]`):
   * called before anything is logged at start, so that the daemon's first records are uploaded too.
   */
  async report(loaded: LoadedConfig): Promise<void> {
    const settings = loaded.config.pocketbase;
    if (!settings) return this.replaceReporter(undefined, '', undefined);
    const url = this.options.urlOverride ?? settings.url;
    const { cache_dir: cacheDir } = loaded.config.cache;
    const { host } = loaded.config.daemon;
    const key = JSON.stringify([settings, url, cacheDir, host]);
    if (key !== this.reporterKey)
      await this.replaceReporter(
        () => FleetReporter.open({ ...this.options, settings, url, host, cacheDir }),
        key,
        host,
      );
  }

  async merge(loaded: LoadedConfig): Promise<LoadedConfig> {
    await this.report(loaded);
    const settings = loaded.config.pocketbase;
    this.pollSecs = loaded.config.daemon.config_refresh_interval_secs;
    if (!settings) {
      await this.replaceSource(undefined, '');
      return loaded;
    }
    const url = this.options.urlOverride ?? settings.url;
    const { cache } = loaded.config;
    const key = JSON.stringify([settings, url, cache.cache_dir, cache.config_cache_ttl_secs]);
    if (key !== this.sourceKey && !['_superusers', SYNC_DAEMONS.name].includes(settings.auth_collection))
      this.logger.error(
        `PocketBase: accounts of ${settings.auth_collection} (pocketbase.auth_collection) can read no job and write ` +
          `nothing: \`pocketbase setup\` gives access to superusers and to accounts of ${SYNC_DAEMONS.name} (made for daemons)`,
      );
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

  /**
   * The daemon runs its jobs: from now on, a change of the records calls `onChange` (the daemon reloads), and
   * heartbeats go out.
   */
  start(onChange: () => void): void {
    this.onChange = onChange;
    void this.source?.watch(onChange, this.pollSecs);
    this.reporter?.startHeartbeats();
  }

  status(): PocketBaseStatus | undefined {
    return this.source?.status();
  }

  fleetStatus(): FleetStatus | undefined {
    return this.reporter?.status();
  }

  /** A run ended: its record goes to the fleet's sync_runs. */
  runFinished(jobId: string, run: RunSummary): void {
    this.reporter?.runFinished(jobId, run);
  }

  async close(): Promise<void> {
    await this.replaceSource(undefined, '');
    await this.replaceReporter(undefined, '', undefined, { keepLogs: true });
  }

  /**
   * The old reporter closes first (its last heartbeat says it stopped unless the same host goes on), then the new
   * one opens the spool: one writer at a time. Records logged meanwhile still go to the old one's spool file. A
   * reporter that cannot open its spool (cache_dir not writable, or another daemon's) is logged, and the daemon
   * runs without it. `keepLogs`: the daemon is stopping, its last records still go to the spool.
   */
  private async replaceReporter(
    make: (() => Promise<FleetReporter>) | undefined,
    key: string,
    host: string | undefined,
    { keepLogs = false } = {},
  ): Promise<void> {
    const old = this.reporter;
    this.reporter = undefined;
    this.reporterKey = '';
    await old?.close({ stopped: old.host !== host });
    let reporter: FleetReporter | undefined;
    try {
      reporter = await make?.();
      // Only once it opened: the next reload tries again (another daemon's spool may be free by then).
      this.reporterKey = key;
    } catch (error) {
      this.logger.error(`PocketBase: no fleet reports (heartbeat, runs, logs): ${(error as Error).message}`);
    }
    this.reporter = reporter;
    if (reporter || !keepLogs)
      this.options.uploadLogs(reporter ? (level, line) => reporter.log(level, line) : undefined);
    reporter?.start();
    if (this.onChange) reporter?.startHeartbeats();
  }

  private async replaceSource(source: PocketBaseSource | undefined, key: string): Promise<void> {
    const old = this.source;
    this.source = source;
    this.sourceKey = key;
    await old?.close();
    if (source && this.onChange) void source.watch(this.onChange, this.pollSecs);
  }
}
