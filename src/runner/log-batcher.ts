import type { LogLevel } from '../config/log-levels.js';
import type { LogRecord } from '../ipc/runner-protocol.js';

// Records go out in batches: one IPC message per record would cost more than the work it describes.
const FLUSH_INTERVAL_MS = 100;
const MAX_BATCH = 100;

/** Collects a runner's log records and sends them in `{type:'log'}` batches. */
export class LogBatcher {
  private records: LogRecord[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (records: LogRecord[]) => void) {}

  log(level: LogLevel, msg: string, runId?: string): void {
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
