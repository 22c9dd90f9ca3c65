import bunyan from 'bunyan';
import type { PocketBaseSettings } from '../../src/pocketbase/connect-pocketbase.js';

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
