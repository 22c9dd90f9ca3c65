import bunyan from 'bunyan';
import type { LogLevel } from '../config/log-levels.js';

/** The daemon's structured log: bunyan JSON lines on stdout (a detached daemon's stdout is its log file). */
export function createDaemonLogger(level: LogLevel, stream: NodeJS.WritableStream = process.stdout): bunyan {
  return bunyan.createLogger({
    name: 'sync-daemon',
    streams: [{ level, stream }],
    serializers: { err: bunyan.stdSerializers.err },
  });
}
