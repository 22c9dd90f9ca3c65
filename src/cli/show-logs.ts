import { setTimeout as delay } from 'node:timers/promises';
import { asLogsReply } from '../control/check-replies.js';
import { ControlError, callDaemon } from '../control/control-client.js';
import { formatPrettyLine } from '../telemetry/format-log-line.js';
import type { LogRecordFields } from '../telemetry/log-record.js';
import { parseLogLine } from '../telemetry/log-record.js';
import { MAX_LOG_RECORDS } from '../telemetry/logs-control.js';
import {
  followLogFile,
  type LogFilter,
  matchesFilter,
  readLastRecords,
} from '../telemetry/read-log-files.js';

export interface ShowLogsOptions {
  socketPath: string;
  /** daemon.log_file of the config: read when no daemon answers. */
  logFile: () => Promise<string>;
  job?: string | undefined;
  /** The lowest level shown, by name (the daemon's filter) and number (the file's). */
  level?: { name: string; number: number } | undefined;
  lines: number;
  follow: boolean;
  json: boolean;
  write: (text: string) => void;
  /** Said on stderr: where the records come from when it is not the daemon, a follower's gaps. */
  note: (text: string) => void;
  signal: AbortSignal;
}

/** How long one follow request waits for a record before asking again. */
const FOLLOW_WAIT_MS = 25_000;
/** A followed daemon that went away is looked for again this often. */
const RECONNECT_MS = 1000;

/**
 * `sync-daemon logs`: the last records, from the running daemon (control method `logs`) or, when none runs, from
 * its log file and the rotated ones; with `follow`, new records as they come (a long poll on the daemon, or the
 * file followed across rotations), until interrupted.
 */
export async function showLogs(options: ShowLogsOptions): Promise<void> {
  const print = (record: LogRecordFields) =>
    options.write(`${options.json ? JSON.stringify(record) : formatPrettyLine(record, true)}\n`);
  const params = {
    ...(options.job ? { job: options.job } : {}),
    ...(options.level ? { level: options.level.name } : {}),
  };
  let next: number;
  try {
    const reply = asLogsReply(
      await callDaemon(options.socketPath, 'logs', {
        ...params,
        limit: Math.min(options.lines, MAX_LOG_RECORDS),
      }),
    );
    reply.records.forEach(print);
    next = reply.next;
  } catch (error) {
    if (!(error instanceof ControlError) || error.code !== 'NOT_RUNNING') throw error;
    await showFromFile(await options.logFile(), options, print);
    return;
  }
  if (options.follow) await followDaemon(options, params, next, print);
}

async function followDaemon(
  options: ShowLogsOptions,
  params: Record<string, unknown>,
  from: number,
  print: (record: LogRecordFields) => void,
): Promise<void> {
  let next = from;
  while (!options.signal.aborted) {
    try {
      const reply = asLogsReply(
        await callDaemon(
          options.socketPath,
          'logs',
          { ...params, from: next, limit: MAX_LOG_RECORDS, waitMs: FOLLOW_WAIT_MS },
          { timeoutMs: FOLLOW_WAIT_MS + 10_000, signal: options.signal },
        ),
      );
      if (reply.missed > 0) options.note(`(${reply.missed} records went by too fast to be shown)`);
      reply.records.forEach(print);
      next = reply.next;
    } catch (error) {
      if (error instanceof ControlError && error.code === 'ABORTED') return;
      if (
        !(error instanceof ControlError) ||
        !['NOT_RUNNING', 'CLOSED', 'EPIPE', 'ECONNRESET'].includes(error.code)
      )
        throw error;
      // The daemon stopped (or restarted): wait for one to answer, then show everything it has logged.
      options.note('(the daemon is not running; waiting for it)');
      while (!options.signal.aborted) {
        await delay(RECONNECT_MS, undefined, { signal: options.signal }).catch(() => undefined);
        const back = await callDaemon(options.socketPath, 'status', {}, { timeoutMs: 2000 }).catch(
          () => undefined,
        );
        if (back) break;
      }
      next = 0;
    }
  }
}

async function showFromFile(
  logFile: string,
  options: ShowLogsOptions,
  print: (record: LogRecordFields) => void,
): Promise<void> {
  options.note(`(no daemon is running: records from ${logFile})`);
  const filter: LogFilter = { job: options.job, minLevel: options.level?.number };
  readLastRecords(logFile, options.lines, filter).forEach(print);
  if (!options.follow) return;
  await followLogFile(
    logFile,
    (line) => {
      const record = parseLogLine(line);
      if (record && matchesFilter(record, filter)) print(record);
    },
    options.signal,
  );
}
