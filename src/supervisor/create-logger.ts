import bunyan from 'bunyan';
import type { LogLevel } from '../config/log-levels.js';

/**
 * The daemon's structured log: bunyan JSON lines on stdout (a detached daemon's stdout is its log file). On a
 * terminal (`start --foreground` by hand) the same records are printed as short readable lines.
 */
export function createDaemonLogger(level: LogLevel, stream: NodeJS.WriteStream = process.stdout): bunyan {
  return bunyan.createLogger({
    name: 'sync-daemon',
    streams: [
      stream.isTTY ? { level, type: 'raw', stream: new ReadableLogStream(stream) } : { level, stream },
    ],
    serializers: { err: bunyan.stdSerializers.err },
  });
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
// Fields every record has, or that the line already shows.
const SHOWN = new Set(['name', 'hostname', 'pid', 'level', 'msg', 'time', 'v', 'job', 'runnerTime', 'src']);

/** `10:20:31 INFO  documents: sync ok runId=… copied=4`: one line per record. */
class ReadableLogStream {
  constructor(private readonly out: NodeJS.WritableStream) {}

  write(value: object): void {
    const record = value as Record<string, unknown>;
    const time = record.time instanceof Date ? record.time.toTimeString().slice(0, 8) : '';
    const level = (LEVEL_NAMES[record.level as number] ?? String(record.level)).padEnd(5);
    const job = typeof record.job === 'string' ? `${record.job}: ` : '';
    const fields = Object.entries(record)
      .filter(([key, value]) => !SHOWN.has(key) && value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    this.out.write(
      `${time} ${level} ${job}${String(record.msg)}${fields.length ? `  ${fields.join(' ')}` : ''}\n`,
    );
  }
}
