import bunyan from 'bunyan';
import type { LogLevel } from '../config/log-levels.js';
import type { ConsoleLogStream } from './console-log-stream.js';
import type { RecentLogRecords } from './recent-log-records.js';
import type { RotatingLogFile } from './rotating-log-file.js';

export interface DaemonLogSinks {
  level: LogLevel;
  /** Absent for a detached daemon: nobody reads its stdout. */
  console?: ConsoleLogStream | undefined;
  file: RotatingLogFile;
  recent: RecentLogRecords;
  /** Windows only: warn and above to the Event Log. */
  eventLog?: { write(record: Readonly<Record<string, unknown>>): void } | undefined;
  /** The fleet's upload spool (with `[pocketbase]`), set once the daemon knows it: every record and its line. */
  upload?: ((level: number, line: string) => void) | undefined;
}

/**
 * The daemon's structured log (bunyan): each record is serialized once, as a bunyan JSON line, and goes to the
 * log file, the buffer that `sync-daemon logs` reads, and stdout when there is someone to read it.
 */
export function createDaemonLogger(sinks: DaemonLogSinks): bunyan {
  return bunyan.createLogger({
    name: 'sync-daemon',
    streams: [{ level: sinks.level, type: 'raw', stream: new LogFanout(sinks) }],
    serializers: { err: bunyan.stdSerializers.err },
  });
}

class LogFanout {
  constructor(private readonly sinks: DaemonLogSinks) {}

  write(value: object): void {
    const record = value as Record<string, unknown>;
    const line = `${serialize(record)}\n`;
    const job = typeof record.job === 'string' ? record.job : undefined;
    this.sinks.recent.add(record.level as number, job, line);
    this.sinks.file.write(line);
    this.sinks.console?.write(record, line);
    this.sinks.eventLog?.write(record);
    this.sinks.upload?.(record.level as number, line);
  }
}

/** A record whose fields cannot be serialized (a cycle, a BigInt) still says its message. */
function serialize(record: Record<string, unknown>): string {
  try {
    return JSON.stringify(record);
  } catch (error) {
    const { name, hostname, pid, level, msg, time, v } = record;
    return JSON.stringify({ name, hostname, pid, level, msg, time, v, logError: String(error) });
  }
}
