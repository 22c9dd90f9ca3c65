import type { LogLevel } from '../config/log-levels.js';

// The daemon's log records are bunyan's: `{name, hostname, pid, level, msg, time, v, …fields}`, one JSON object
// per line, `level` a number. This module names the numbers and maps them onto syslog priorities.

export const LEVEL_NUMBERS: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

const NAMES = new Map(Object.entries(LEVEL_NUMBERS).map(([name, number]) => [number, name as LogLevel]));

/** A record's level by name; a number between two levels takes the lower one's name. */
export function levelName(level: number): LogLevel {
  const exact = NAMES.get(level);
  if (exact) return exact;
  let name: LogLevel = 'trace';
  for (const [candidate, number] of Object.entries(LEVEL_NUMBERS))
    if (level >= number) name = candidate as LogLevel;
  return name;
}

/**
 * The syslog priority journald reads from a line's `<N>` prefix (sd-daemon(3)): fatal → 2 (crit), error → 3,
 * warn → 4, info → 6, debug and trace → 7. `journalctl -p warning` then shows warn and above.
 */
export function syslogPriority(level: number): number {
  if (level >= LEVEL_NUMBERS.fatal) return 2;
  if (level >= LEVEL_NUMBERS.error) return 3;
  if (level >= LEVEL_NUMBERS.warn) return 4;
  if (level >= LEVEL_NUMBERS.info) return 6;
  return 7;
}

/** A record as it travels to the CLI (`logs`): parsed back from its line. */
export interface LogRecordFields {
  level: number;
  msg: string;
  time: string;
  job?: string;
  runId?: string;
  [field: string]: unknown;
}

/** A line of a log file or of the daemon's buffer, parsed; undefined for anything that is not a record. */
export function parseLogLine(line: string): LogRecordFields | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<LogRecordFields> | null;
    if (
      value &&
      typeof value.level === 'number' &&
      typeof value.msg === 'string' &&
      typeof value.time === 'string'
    )
      return value as LogRecordFields;
  } catch {
    // A line cut short (a daemon killed mid-write, a file being rotated): not a record.
  }
  return undefined;
}
