import bunyan from 'bunyan';
import type { PocketBaseSettings } from '../../src/pocketbase/connect-pocketbase.js';
import type { FleetReporterOptions } from '../../src/pocketbase/fleet-reporter.js';

export function settings(url: string, extra: Partial<PocketBaseSettings> = {}): PocketBaseSettings {
  return {
    url,
    admin_email: 'admin@example.com',
    admin_password: 'admin-password-123',
    auth_collection: '_superusers',
    timeout_secs: 20,
    retry_attempts: 0,
    retry_delay_secs: 1,
    heartbeat_interval_secs: 1,
    log_upload_level: 'info',
    spool_max_records: 100_000,
    retention_days: 30,
    ...extra,
  } as PocketBaseSettings;
}

export function captureLogger(): { logger: bunyan; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = bunyan.createLogger({
    name: 'review',
    streams: [{ level: 'trace', type: 'raw', stream: { write: (r: object) => records.push(r as never) } }],
  });
  return { logger, records };
}

/** A reporter's options for a daemon of `host` talking to `url`, its spool under `cacheDir`, no jobs. */
export function reporterOptions(
  url: string,
  cacheDir: string,
  {
    host = 'review',
    ...rest
  }: Partial<Omit<FleetReporterOptions, 'settings'>> & { settings?: Partial<PocketBaseSettings> } = {},
): FleetReporterOptions {
  return {
    url,
    host,
    cacheDir,
    version: '0',
    startedAt: new Date(),
    logger: captureLogger().logger,
    jobs: () => [],
    ...rest,
    settings: settings(url, rest.settings),
  };
}
