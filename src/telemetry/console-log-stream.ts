import fs from 'node:fs';
import type { LogFormat } from '../config/log-levels.js';
import { formatPrettyLine } from './format-log-line.js';
import { syslogPriority } from './log-record.js';

/** `auto` is pretty on a terminal, JSON lines anywhere else (a pipe, a file, the journal). */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;
}

/**
 * Whether stdout is the journal's stream: systemd sets `JOURNAL_STREAM=<device>:<inode>` of the stdout it
 * gave the service, and a child whose stdout was redirected must not prefix its lines (systemd.exec(5)).
 */
export function isJournalStream(env: NodeJS.ProcessEnv = process.env, fd = 1): boolean {
  const match = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!match) return false;
  try {
    const stats = fs.fstatSync(fd, { bigint: true });
    return stats.dev === BigInt(match[1] as string) && stats.ino === BigInt(match[2] as string);
  } catch {
    return false;
  }
}

/**
 * The daemon's records on its stdout, JSON or readable; under systemd each line starts with its syslog
 * priority (`<3>` error … `<7>` debug), which journald strips and files the line under, so
 * `journalctl -p warning` shows warnings and worse.
 */
export class ConsoleLogStream {
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly format: 'json' | 'pretty',
    private readonly journald: boolean,
  ) {}

  write(record: Readonly<Record<string, unknown>>, line: string): void {
    const text = this.format === 'pretty' ? `${formatPrettyLine(record)}\n` : line;
    const prefix = this.journald ? `<${syslogPriority(record.level as number)}>` : '';
    this.out.write(prefix + text);
  }
}
