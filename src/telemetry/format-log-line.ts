import { levelName } from './log-record.js';

// Fields every record has, or that the line already shows.
const SHOWN = new Set(['name', 'hostname', 'pid', 'level', 'msg', 'time', 'v', 'job', 'runnerTime', 'src']);

/**
 * `10:20:31 INFO  documents: sync ok  runId=… copied=4`: a record as one readable line (no newline). `withDate`
 * puts the day in front, for records read back from other days (`sync-daemon logs`).
 */
export function formatPrettyLine(record: Readonly<Record<string, unknown>>, withDate = false): string {
  const time = timeOf(record.time);
  const shown = time ? localTime(time, withDate) : '';
  const level = levelName(typeof record.level === 'number' ? record.level : 30)
    .toUpperCase()
    .padEnd(5);
  const job = typeof record.job === 'string' ? `${record.job}: ` : '';
  const fields = Object.entries(record)
    .filter(([key, value]) => !SHOWN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${shown} ${level} ${job}${String(record.msg)}${fields.length ? `  ${fields.join(' ')}` : ''}`;
}

function timeOf(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function localTime(time: Date, withDate: boolean): string {
  const clock = time.toTimeString().slice(0, 8);
  if (!withDate) return clock;
  const day = `${time.getFullYear()}-${String(time.getMonth() + 1).padStart(2, '0')}-${String(time.getDate()).padStart(2, '0')}`;
  return `${day} ${clock}`;
}
