import { LOG_LEVELS, type LogLevel } from '../config/log-levels.js';
import type { ControlHandler } from '../control/control-server.js';
import { LEVEL_NUMBERS } from './log-record.js';
import type { LogQuery, RecentLogRecords } from './recent-log-records.js';

/** The most records one reply carries; a follower asks again for the rest. */
export const MAX_LOG_RECORDS = 5000;
const MAX_WAIT_MS = 30_000;

/** A control request's params that are not what `logs` takes: `{error: {code: 'BAD_PARAMS'}}`. */
class LogsParamsError extends Error {
  readonly code = 'BAD_PARAMS';
}

/**
 * The control method `logs` (DESIGN.md): `{limit?, from?, job?, level?, waitMs?}` → the last records, or a
 * follower's next ones (see RecentLogRecords), each a bunyan record.
 */
export function logsHandler(recent: RecentLogRecords): ControlHandler {
  return (params) => recent.query(parseLogsParams(params));
}

export function parseLogsParams(params: Record<string, unknown>): LogQuery {
  const query: LogQuery = { limit: wholeNumber(params, 'limit', 0, MAX_LOG_RECORDS) ?? 10 };
  const from = wholeNumber(params, 'from', 0, Number.MAX_SAFE_INTEGER);
  if (from !== undefined) query.from = from;
  const waitMs = wholeNumber(params, 'waitMs', 0, MAX_WAIT_MS);
  if (waitMs !== undefined) query.waitMs = waitMs;
  if (params.job !== undefined) {
    if (typeof params.job !== 'string' || params.job === '')
      throw new LogsParamsError('"params.job" must be a job id');
    query.job = params.job;
  }
  if (params.level !== undefined) {
    if (!(LOG_LEVELS as readonly unknown[]).includes(params.level))
      throw new LogsParamsError(`"params.level" must be one of ${LOG_LEVELS.join(', ')}`);
    query.minLevel = LEVEL_NUMBERS[params.level as LogLevel];
  }
  return query;
}

function wholeNumber(
  params: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new LogsParamsError(`"params.${name}" must be a whole number from ${min} to ${max}`);
  return value;
}
