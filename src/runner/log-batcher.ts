import { LOG_LEVELS, type LogLevel } from '../config/log-levels.js';
import type { LogRecord } from '../ipc/runner-protocol.js';

// Records go out in batches: one IPC message per record would cost more than the work it describes.
const FLUSH_INTERVAL_MS = 100;
const MAX_BATCH = 100;

/**
 * Collects a runner's log records and sends them in `{type:'log'}` batches; records below the daemon's level are
 * dropped here, never sent.
 */
export class LogBatcher {
  private records: LogRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly lowest: number;

  constructor(
    private readonly send: (records: LogRecord[]) => void,
    level: LogLevel = 'trace',
  ) {
    this.lowest = LOG_LEVELS.indexOf(level);
  }

  /** Whether records of this level are kept: worth building them at all. */
  wants(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.lowest;
  }

  log(level: LogLevel, msg: string, runId?: string): void {
    if (!this.wants(level)) return;
    this.records.push({ level, time: new Date().toISOString(), msg, ...(runId ? { runId } : {}) });
    if (this.records.length >= MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.records.length === 0) return;
    const records = this.records;
    this.records = [];
    this.send(records);
  }
}
