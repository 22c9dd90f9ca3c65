import { type LogRecordFields, parseLogLine } from './log-record.js';
import { type LogFilter, matchesFilter } from './read-log-files.js';

/** What `sync-daemon logs` asks of the daemon (control method `logs`). */
export interface LogQuery extends LogFilter {
  /** Records from this sequence number on (a previous reply's `next`); absent: the last `limit` records. */
  from?: number;
  limit: number;
  /** With `from`: wait this long for a record to come when none is there yet (`logs -f`). */
  waitMs?: number;
}

export interface LogQueryReply {
  records: LogRecordFields[];
  /** The sequence number to ask `from` next time. */
  next: number;
  /** Records between `from` and the oldest one still held, dropped from the buffer before they were read. */
  missed: number;
}

interface HeldRecord {
  level: number;
  job: string | undefined;
  line: string;
}

/** The cap on one wait: a follower asks again, so a daemon stopping never waits long on it. */
const MAX_WAIT_MS = 30_000;

/**
 * The daemon's last records (a ring), numbered, for the `logs` control method: the last N, and a follower's
 * records since the last it saw, waiting for new ones (a long poll, so the control protocol stays one request,
 * one reply).
 */
export class RecentLogRecords {
  private readonly held: (HeldRecord | undefined)[];
  /** Sequence number of the next record. */
  private nextSeq = 0;
  private readonly waiters = new Set<() => void>();
  /** The daemon is stopping: no follower waits any more. */
  private released = false;

  constructor(private readonly capacity = 10_000) {
    this.held = new Array(capacity);
  }

  add(level: number, job: string | undefined, line: string): void {
    this.held[this.nextSeq % this.capacity] = { level, job, line };
    this.nextSeq++;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  async query(query: LogQuery): Promise<LogQueryReply> {
    const first = this.read(query);
    if (first.records.length > 0 || query.from === undefined || !query.waitMs) return first;
    let next = first.next;
    const deadline = Date.now() + Math.min(query.waitMs, MAX_WAIT_MS);
    let missed = first.missed;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || this.released) return { records: [], next, missed };
      await this.nextRecord(left);
      const reply = this.read({ ...query, from: next });
      missed += reply.missed;
      if (reply.records.length > 0) return { ...reply, missed };
      next = reply.next;
    }
  }

  /** Answers every waiting follower now, and any later one at once (the daemon is stopping). */
  release(): void {
    this.released = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  private read(query: LogQuery): LogQueryReply {
    const { from, limit } = query;
    const oldest = Math.max(0, this.nextSeq - this.capacity);
    const matches = (record: HeldRecord) => matchesFilter(record, query);
    const records: LogRecordFields[] = [];
    if (from === undefined) {
      // The last `limit` matching records, newest found first.
      for (let seq = this.nextSeq - 1; seq >= oldest && records.length < limit; seq--) {
        const record = this.held[seq % this.capacity] as HeldRecord;
        const parsed = matches(record) ? parseLogLine(record.line) : undefined;
        if (parsed) records.push(parsed);
      }
      return { records: records.reverse(), next: this.nextSeq, missed: 0 };
    }
    // Past the newest (a cursor from before a daemon restart): from the next record on.
    const start = Math.min(Math.max(from, oldest), this.nextSeq);
    let seq = start;
    for (; seq < this.nextSeq && records.length < limit; seq++) {
      const record = this.held[seq % this.capacity] as HeldRecord;
      const parsed = matches(record) ? parseLogLine(record.line) : undefined;
      if (parsed) records.push(parsed);
    }
    return { records, next: seq, missed: Math.max(0, start - from) };
  }

  private nextRecord(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      // Never what keeps a stopping daemon's process alive.
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve();
      }, timeoutMs).unref();
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.add(wake);
    });
  }
}
