import fs from 'node:fs';
import path from 'node:path';

export interface RotatingLogFileOptions {
  path: string;
  /** Size past which the file is rotated, always between two records. */
  maxBytes: number;
  /** Rotated files kept: `<path>.1` (the newest) to `<path>.<maxFiles>`; 0 keeps none. */
  maxFiles: number;
  /** How often a file that cannot be written is tried again. */
  retryMs?: number;
  /** Records held while the file cannot be written, past which the oldest are dropped (and counted). */
  maxPendingBytes?: number;
  /**
   * Writing failed (`problem` says why, once until it works again), or works again (`problem` undefined, with
   * how many records were dropped meanwhile).
   */
  onProblem?: (problem: string | undefined, dropped: number) => void;
}

const DEFAULT_RETRY_MS = 5000;
const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** How often the path is checked to still be the file written to (deleted or moved away by someone else). */
const CHECK_PATH_EVERY_MS = 1000;

/**
 * The daemon's log file, rotated by size: the file is renamed `<path>.1` (older ones shifted, the oldest
 * removed) and a new one opened, never copied and truncated, so no record is lost or written twice across a
 * rotation, and a rotation never splits one. Records are appended in batches once per tick, with synchronous
 * writes (one writer: the supervisor; runners send it their records). A file that cannot be written (disk full,
 * folder deleted or unwritable) never stops the daemon: it is reported, its records are held (bounded) and
 * written when a retry succeeds. A log folder deleted while running is made again.
 */
export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  /**
   * Records a short write cut (a full disk): the rest is written first, into the same file; if that file is gone
   * meanwhile (deleted to free space), the whole records go into the new one.
   */
  private partial: { buffer: Buffer; offset: number; ino: number } | undefined;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private problemText: string | undefined;
  private dropped = 0;
  private pathCheckedAt = 0;
  /** The inode of the file open now (or last open). */
  private openIno = -1;
  private closed = false;

  constructor(private readonly options: RotatingLogFileOptions) {}

  get path(): string {
    return this.options.path;
  }

  /** What keeps the file from being written now, if anything. */
  get problem(): string | undefined {
    return this.problemText;
  }

  /** Queues one record (a line, with or without its newline) for the next flush. */
  write(line: string): void {
    if (this.closed) return;
    const record = line.endsWith('\n') ? line : `${line}\n`;
    this.pending.push(record);
    this.pendingBytes += record.length;
    if (this.pendingBytes > (this.options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES)) {
      // Held because the file cannot be written: the oldest go. A burst on a healthy disk is written now.
      if (this.problemText !== undefined) this.dropOldest();
      else this.flush();
    }
    if (this.scheduled || this.retryTimer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Writes what is queued now; a failure is reported and retried, never thrown. */
  flush(): void {
    if (this.pending.length === 0 && !this.partial) return;
    try {
      this.ensureOpen();
      this.writePending();
      if (this.problemText !== undefined) this.recovered();
    } catch (error) {
      this.failed(error);
    }
  }

  /** Writes what is queued and closes the file; later records (the last flush's own report) are ignored. */
  close(): void {
    this.closed = true;
    this.flush();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.closeFd();
  }

  private writePending(): void {
    const { maxBytes } = this.options;
    if (this.partial) {
      const { buffer, offset, ino } = this.partial;
      this.partial = undefined;
      this.writeFully(ino === this.openIno ? buffer.subarray(offset) : buffer);
    }
    while (this.pending.length > 0) {
      // A batch of whole records that fits the file; a record larger than maxBytes goes alone in a new file.
      let bytes = 0;
      let count = 0;
      for (const record of this.pending) {
        const length = Buffer.byteLength(record);
        if (count > 0 && this.size + bytes + length > maxBytes) break;
        if (count === 0 && this.size > 0 && this.size + length > maxBytes) break;
        bytes += length;
        count++;
      }
      if (count === 0) {
        this.rotate();
        continue;
      }
      const batch = this.pending.slice(0, count);
      const buffer = Buffer.from(batch.join(''));
      this.pending = this.pending.slice(count);
      this.pendingBytes -= batch.reduce((sum, record) => sum + record.length, 0);
      this.writeFully(buffer);
    }
  }

  /** Writes every byte, or keeps what is unwritten as `partial` and throws. */
  private writeFully(buffer: Buffer): void {
    let offset = 0;
    try {
      while (offset < buffer.length) {
        const written = fs.writeSync(this.fd as number, buffer, offset, buffer.length - offset);
        offset += written;
        this.size += written;
      }
    } catch (error) {
      // From the record the write cut: the records before it are whole in the file already.
      const start = offset === 0 ? 0 : buffer.lastIndexOf(0x0a, offset - 1) + 1;
      this.partial = { buffer: buffer.subarray(start), offset: offset - start, ino: this.openIno };
      throw error;
    }
  }

  private ensureOpen(): void {
    if (this.fd !== undefined && Date.now() - this.pathCheckedAt >= CHECK_PATH_EVERY_MS) {
      this.pathCheckedAt = Date.now();
      if (!this.pathIsOurFile()) this.closeFd();
    }
    if (this.fd !== undefined) return;
    fs.mkdirSync(path.dirname(this.options.path), { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(this.options.path, 'a', 0o600);
    const stats = fs.fstatSync(this.fd);
    this.size = stats.size;
    this.openIno = stats.ino;
    this.pathCheckedAt = Date.now();
  }

  private pathIsOurFile(): boolean {
    const onPath = fs.statSync(this.options.path, { throwIfNoEntry: false });
    const open = fs.fstatSync(this.fd as number);
    return onPath !== undefined && onPath.ino === open.ino && onPath.dev === open.dev;
  }

  private rotate(): void {
    const { path: file, maxFiles } = this.options;
    this.closeFd();
    if (maxFiles === 0) fs.rmSync(file, { force: true });
    else {
      fs.rmSync(`${file}.${maxFiles}`, { force: true });
      for (let index = maxFiles - 1; index >= 1; index--)
        renameIfThere(`${file}.${index}`, `${file}.${index + 1}`);
      renameIfThere(file, `${file}.1`);
    }
    this.ensureOpen();
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fs.closeSync(fd);
    } catch {
      // Closing a file whose disk is gone can fail too; the descriptor is released either way.
    }
  }

  private failed(error: unknown): void {
    this.closeFd();
    const reason = error instanceof Error ? error.message : String(error);
    if (this.problemText === undefined) {
      this.problemText = `the log file ${this.options.path} cannot be written (${reason}); records are kept and written when it can be`;
      this.options.onProblem?.(this.problemText, 0);
    }
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, this.options.retryMs ?? DEFAULT_RETRY_MS);
    this.retryTimer.unref();
  }

  private recovered(): void {
    const dropped = this.dropped;
    this.problemText = undefined;
    this.dropped = 0;
    this.options.onProblem?.(undefined, dropped);
  }

  private dropOldest(): void {
    const limit = (this.options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES) / 2;
    let index = 0;
    while (this.pendingBytes > limit && index < this.pending.length) {
      this.pendingBytes -= (this.pending[index] as string).length;
      index++;
    }
    this.pending = this.pending.slice(index);
    this.dropped += index;
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
