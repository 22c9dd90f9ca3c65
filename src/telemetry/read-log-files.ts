import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { type LogRecordFields, parseLogLine } from './log-record.js';

export interface LogFilter {
  job?: string | undefined;
  minLevel?: number | undefined;
}

const CHUNK_BYTES = 64 * 1024;
/** Rotated files looked for past the config's log_max_files (it may have been lowered since they were made). */
const MAX_ROTATED_FILES = 100;

export function matchesFilter(
  record: { level: number; job?: string | undefined },
  { job, minLevel }: LogFilter,
): boolean {
  return (job === undefined || record.job === job) && (minLevel === undefined || record.level >= minLevel);
}

/**
 * The last `limit` records that pass the filter, oldest first, read from the end of the log file and then of its
 * rotated files (`<file>.1` is the newest of those): only as much is read as the answer needs.
 */
export function readLastRecords(logFile: string, limit: number, filter: LogFilter = {}): LogRecordFields[] {
  const found: LogRecordFields[] = [];
  if (limit <= 0) return found;
  for (const file of logFiles(logFile)) {
    for (const line of linesFromEnd(file)) {
      const record = parseLogLine(line);
      if (record && matchesFilter(record, filter)) found.push(record);
      if (found.length >= limit) return found.reverse();
    }
  }
  return found.reverse();
}

/** The log file and its rotated files that exist, newest first. */
function logFiles(logFile: string): string[] {
  const files = fs.existsSync(logFile) ? [logFile] : [];
  for (let index = 1; index <= MAX_ROTATED_FILES; index++) {
    const rotated = `${logFile}.${index}`;
    if (!fs.existsSync(rotated)) break;
    files.push(rotated);
  }
  return files;
}

/** A file's lines from the last to the first, read backwards in chunks (split on bytes: UTF-8 stays whole). */
function* linesFromEnd(file: string): Generator<string> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return;
  }
  try {
    let position = fs.fstatSync(fd).size;
    let rest = Buffer.alloc(0);
    while (position > 0) {
      const start = Math.max(0, position - CHUNK_BYTES);
      const chunk = Buffer.alloc(position - start);
      fs.readSync(fd, chunk, 0, chunk.length, start);
      position = start;
      let buffer = Buffer.concat([chunk, rest]);
      let newline = buffer.lastIndexOf(0x0a);
      // The part before the first newline may continue in the previous chunk: kept for the next round.
      while (newline >= 0) {
        const line = buffer.subarray(newline + 1);
        if (line.length > 0) yield line.toString('utf8');
        buffer = buffer.subarray(0, newline);
        newline = buffer.lastIndexOf(0x0a);
      }
      rest = Buffer.from(buffer);
    }
    if (rest.length > 0) yield rest.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

const FOLLOW_POLL_MS = 250;

/**
 * Follows a log file as `tail -F` does, from its current end: new lines as they are appended, across rotations
 * (the renamed file is read to its end first, then the new one from its start). Ends when `signal` aborts.
 */
export async function followLogFile(
  logFile: string,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  let fd: number | undefined;
  let ino: number | undefined;
  let position = 0;
  let partial = Buffer.alloc(0);
  const open = (fromEnd: boolean) => {
    try {
      fd = fs.openSync(logFile, 'r');
      const stats = fs.fstatSync(fd);
      ino = stats.ino;
      position = fromEnd ? stats.size : 0;
    } catch {
      fd = undefined;
    }
  };
  const drain = () => {
    if (fd === undefined) return;
    const size = fs.fstatSync(fd).size;
    if (size < position) {
      // Truncated by someone else: read it again from the start, without the old file's unfinished line.
      position = 0;
      partial = Buffer.alloc(0);
    }
    while (position < size) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - position));
      const read = fs.readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      position += read;
      let buffer = Buffer.concat([partial, chunk.subarray(0, read)]);
      let newline = buffer.indexOf(0x0a);
      while (newline >= 0) {
        onLine(buffer.subarray(0, newline).toString('utf8'));
        buffer = buffer.subarray(newline + 1);
        newline = buffer.indexOf(0x0a);
      }
      partial = Buffer.from(buffer);
    }
  };
  open(true);
  try {
    while (!signal.aborted) {
      drain();
      const onPath = fs.statSync(logFile, { throwIfNoEntry: false });
      if (onPath && onPath.ino !== ino) {
        // Rotated: the old file is read to its end, then the new one from its start.
        drain();
        if (fd !== undefined) fs.closeSync(fd);
        partial = Buffer.alloc(0);
        open(false);
        continue;
      }
      await delay(FOLLOW_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
