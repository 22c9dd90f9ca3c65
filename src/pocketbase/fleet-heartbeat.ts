import type Logger from 'bunyan';
import type { JobStatus } from '../control/daemon-api.js';
import { DAEMONS } from './collection-schemas.js';
import { describePocketBaseError } from './connect-pocketbase.js';
import { daemonRecordId, heartbeatJobs } from './fleet-records.js';
import type { PocketBaseSession } from './pocketbase-session.js';

export interface FleetHeartbeatOptions {
  host: string;
  version: string;
  startedAt: Date;
  intervalSecs: number;
  logger: Logger;
  jobs: () => readonly JobStatus[];
}

/**
 * This host's `daemons` record, created or updated at each beat with the jobs' states; a beat with `stoppedAt`
 * says the daemon stopped. Beats go one at a time (two first ones racing to create the record would refuse each
 * other); a failure is logged when it starts or changes, and when beats get through again.
 */
export class FleetHeartbeat {
  /** When the server last took a beat. */
  lastAt: string | undefined;
  /** Why beats fail now. */
  problem: string | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly session: PocketBaseSession,
    private readonly options: FleetHeartbeatOptions,
  ) {}

  /** True when the server took it; a beat asked while one is out is skipped, unless it is the last. */
  async beat(stoppedAt?: string): Promise<boolean> {
    if (this.inFlight && !stoppedAt) return false;
    await this.inFlight;
    const beat = this.send(stoppedAt);
    this.inFlight = beat;
    try {
      return await beat;
    } finally {
      if (this.inFlight === beat) this.inFlight = undefined;
    }
  }

  private async send(stoppedAt: string | undefined): Promise<boolean> {
    const { host, version, startedAt, intervalSecs, logger } = this.options;
    const now = new Date();
    const id = daemonRecordId(host);
    try {
      const client = await this.session.connected();
      const body = {
        account: this.session.accountId ?? '',
        host,
        version,
        pid: process.pid,
        started_at: startedAt.toISOString(),
        last_heartbeat: now.toISOString(),
        heartbeat_interval_secs: intervalSecs,
        stopped_at: stoppedAt ?? '',
        jobs: heartbeatJobs(this.options.jobs()),
      };
      const records = client.collection(DAEMONS.name);
      try {
        await records.update(id, body);
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error;
        await records.create({ id, ...body });
      }
    } catch (error) {
      const problem = isNotUnique(error)
        ? `the daemons record of host ${host} belongs to another account: give each host its own name (daemon.host) or account`
        : describePocketBaseError(error, this.session.url, `sending the heartbeat of ${host}`).message;
      if (problem !== this.problem) logger.warn(`PocketBase heartbeat failed: ${problem}`);
      this.problem = problem;
      return false;
    }
    if (this.problem) logger.info('PocketBase heartbeat sent again');
    this.problem = undefined;
    this.lastAt = now.toISOString();
    return true;
  }
}

function isNotUnique(error: unknown): boolean {
  const data = (error as { response?: { data?: Record<string, { code?: string }> } }).response?.data;
  return Object.values(data ?? {}).some((field) => field.code === 'validation_not_unique');
}
