import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../util/write-file-atomic.js';

/** A record waiting for PocketBase: the collection it goes to and its body, id included. */
export interface SpooledRecord {
  collection: string;
  body: { id: string } & Record<string, unknown>;
}

/** Records handed out for upload: `ack` or `release` them once the server has answered. */
export interface SpoolLease {
  readonly records: readonly SpooledRecord[];
  readonly segment: number;
  readonly start: number;
}

export interface UploadSpoolOptions {
  /** Records kept at most; past it, the oldest are dropped (and counted). */
  maxRecords: number;
  /** Called with how many records were dropped, after the append that dropped them (never during it). */
  onDrop?: (count: number) => void;
}

interface Segment {
  number: number;
  /** Lines in the file (records, and any line that does not parse). */
  lines: number;
  /** Bytes of whole lines: where a failed append is cut back to. */
  bytes: number;
  /** A failed append could not be cut back: nothing more is appended to it. */
  sealed?: boolean;
}

const CURSOR_FILE = 'cursor.json';

/**
 * The disk queue between the daemon and PocketBase (DESIGN.md, "telemetry"): records are appended as JSON lines to
 * numbered segment files, synchronously, so a record handed over is on disk before the call returns and survives
 * SIGKILL; `cursor.json` says how far the oldest segment was delivered. A record is delivered at least once (one
 * sent whose acknowledgement was lost is sent again) and its id, fixed when it was spooled, makes PocketBase keep
 * it once. The spool keeps `maxRecords` at most: the oldest segment goes first, each of its undelivered records
 * counted as dropped.
 */
export class UploadSpool {
  private readonly segments: Segment[] = [];
  /** Lines of the oldest segment already delivered. */
  private delivered = 0;
  /** The oldest segment's lines, read when it became the oldest (and appended to while it is also the newest). */
  private headLines: string[] | undefined;
  private lease:
    | { segment: number; start: number; end: number; lineEnds: number[]; dropped: boolean }
    | undefined;
  private droppedTotal = 0;
  private lastNumber = 0;
  private readonly segmentSize: number;

  private constructor(
    readonly dir: string,
    private readonly options: UploadSpoolOptions,
  ) {
    this.segmentSize = Math.max(1, Math.min(1000, Math.floor(options.maxRecords / 10)));
  }

  /** Opens the spool in `dir` (made if missing), with what an earlier daemon left undelivered. */
  static open(dir: string, options: UploadSpoolOptions): UploadSpool {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const spool = new UploadSpool(dir, options);
    spool.load();
    return spool;
  }

  /** Records not yet delivered. */
  get pending(): number {
    let lines = -this.delivered;
    for (const segment of this.segments) lines += segment.lines;
    return lines;
  }

  /** Records dropped to keep within `maxRecords` since the spool was opened. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Throws when the record cannot be written (a full disk): it is counted as dropped, and the file left whole. */
  append(record: SpooledRecord): void {
    const line = JSON.stringify({ c: record.collection, r: record.body });
    const data = Buffer.from(`${line}\n`);
    let newest = this.segments.at(-1);
    if (!newest || newest.sealed || newest.lines >= this.segmentSize) {
      newest = { number: ++this.lastNumber, lines: 0, bytes: 0 };
      this.segments.push(newest);
    }
    const file = this.segmentFile(newest.number);
    try {
      fs.appendFileSync(file, data, { mode: 0o600 });
    } catch (error) {
      // Part of the line may be there: cut it off, or the next record would land on the same line and be lost.
      try {
        fs.truncateSync(file, newest.bytes);
      } catch {
        // Cannot even cut it: the next record goes to a new segment instead; this one's torn tail is never read
        // (only whole lines are), and the next open cuts it off.
        newest.sealed = true;
      }
      this.countDropped(1);
      throw error;
    }
    newest.lines++;
    newest.bytes += data.length;
    if (this.headLines && newest === this.segments[0]) this.headLines.push(line);
    if (this.pending > this.options.maxRecords) this.dropOldest();
  }

  /** Up to `max` of the oldest undelivered records (none while a lease is out). */
  take(max: number): SpoolLease | undefined {
    if (this.lease) return undefined;
    const head = this.segments[0];
    if (!head || head.lines <= this.delivered) return undefined;
    this.headLines ??= this.readLines(head.number);
    const end = Math.min(head.lines, this.delivered + max);
    const records: SpooledRecord[] = [];
    const lineEnds: number[] = [];
    for (let index = this.delivered; index < end; index++) {
      const record = parseLine(this.headLines[index]);
      if (!record) continue;
      records.push(record);
      lineEnds.push(index + 1);
    }
    this.lease = { segment: head.number, start: this.delivered, end, lineEnds, dropped: false };
    return { records, segment: head.number, start: this.delivered };
  }

  /** The lease's first `count` records (all by default) were delivered; the rest go back. */
  ack(lease: SpoolLease, count = lease.records.length): void {
    const held = this.lease;
    if (held?.segment !== lease.segment || held.start !== lease.start) return;
    this.lease = undefined;
    // Lines that do not parse were never sent: they go with the lease's last record.
    const end =
      count >= lease.records.length
        ? held.end
        : count > 0
          ? (held.lineEnds[count - 1] as number)
          : held.start;
    if (held.dropped) {
      // Its segment was dropped while it was out: what did not arrive is lost after all.
      this.countDropped(held.end - end);
      return;
    }
    this.delivered = end;
    const head = this.segments[0];
    if (head && this.delivered >= head.lines) this.removeHead();
    this.writeCursor();
  }

  /** Nothing of the lease was delivered: its records stay (unless dropped meanwhile, then they are counted). */
  release(lease: SpoolLease): void {
    this.ack(lease, 0);
  }

  private dropOldest(): void {
    const head = this.segments[0];
    if (!head || this.segments.length < 2) return;
    const lease = this.lease?.segment === head.number ? this.lease : undefined;
    // A lease out on it settles its own records: counted as dropped only if their upload fails.
    const dropped = head.lines - (lease ? lease.end : this.delivered);
    if (lease) lease.dropped = true;
    this.removeHead();
    this.writeCursor();
    this.countDropped(dropped);
  }

  private countDropped(count: number): void {
    if (count <= 0) return;
    this.droppedTotal += count;
    const { onDrop } = this.options;
    // Later, not now: the callback logs, and a log record is itself appended here.
    if (onDrop) setImmediate(() => onDrop(count));
  }

  private removeHead(): void {
    const head = this.segments.shift();
    this.delivered = 0;
    this.headLines = undefined;
    if (!head) return;
    try {
      fs.rmSync(this.segmentFile(head.number), { force: true });
    } catch {
      // Held open elsewhere (Windows): the next open removes it, being below the cursor.
    }
  }

  private load(): void {
    const numbers = fs
      .readdirSync(this.dir)
      .map((name) => /^(\d{12})\.jsonl$/.exec(name)?.[1])
      .filter((number): number is string => number !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const cursor = this.readCursor();
    for (const number of numbers) {
      // Delivered whole before, its removal failed or was cut short: gone now.
      if (cursor && number < cursor.segment) fs.rmSync(this.segmentFile(number), { force: true });
      else this.segments.push({ number, ...this.measure(number) });
    }
    // Never a number the cursor may still name (a segment removed, the daemon killed before the cursor moved on).
    this.lastNumber = Math.max(numbers.at(-1) ?? 0, cursor?.segment ?? 0);
    const head = this.segments[0];
    if (head && cursor?.segment === head.number) this.delivered = Math.min(cursor.line, head.lines);
    if (head && this.delivered >= head.lines && this.segments.length > 1) this.removeHead();
  }

  /** Lines and bytes of a segment; a last line cut short (a daemon killed mid-write) is cut off first. */
  private measure(number: number): { lines: number; bytes: number } {
    const file = this.segmentFile(number);
    const content = fs.readFileSync(file);
    const bytes = content.lastIndexOf(10) + 1;
    if (bytes < content.length) fs.truncateSync(file, bytes);
    let lines = 0;
    for (let index = 0; index < bytes; index++) if (content[index] === 10) lines++;
    return { lines, bytes };
  }

  private readLines(number: number): string[] {
    const text = fs.readFileSync(this.segmentFile(number), 'utf8');
    const lines = text.split('\n');
    lines.pop();
    return lines;
  }

  private readCursor(): { segment: number; line: number } | undefined {
    try {
      const cursor = JSON.parse(fs.readFileSync(path.join(this.dir, CURSOR_FILE), 'utf8')) as {
        segment?: unknown;
        line?: unknown;
      };
      return typeof cursor.segment === 'number' && typeof cursor.line === 'number'
        ? { segment: cursor.segment, line: cursor.line }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Written whole, then renamed: a daemon killed meanwhile finds the old cursor or the new one. */
  private writeCursor(): void {
    writeFileAtomicSync(
      path.join(this.dir, CURSOR_FILE),
      JSON.stringify({ segment: this.segments[0]?.number ?? 0, line: this.delivered }),
    );
  }

  private segmentFile(number: number): string {
    return path.join(this.dir, `${String(number).padStart(12, '0')}.jsonl`);
  }
}

function parseLine(line: string | undefined): SpooledRecord | undefined {
  if (!line) return undefined;
  try {
    const value = JSON.parse(line) as { c?: unknown; r?: { id?: unknown } };
    if (typeof value.c === 'string' && typeof value.r?.id === 'string')
      return { collection: value.c, body: value.r as SpooledRecord['body'] };
  } catch {
    // A line that is not a record (cannot happen short of a damaged disk): skipped.
  }
  return undefined;
}
