import type Logger from 'bunyan';
import type { LogFormat, LogLevel } from '../config/log-levels.js';
import type { Config } from '../config/schema.js';
import type { DaemonStatus } from '../control/daemon-api.js';
import { ConsoleLogStream, isJournalStream, resolveLogFormat } from './console-log-stream.js';
import { createDaemonLogger, type DaemonLogSinks } from './daemon-logger.js';
import { RecentLogRecords } from './recent-log-records.js';
import { RotatingLogFile } from './rotating-log-file.js';
import { WindowsEventLog } from './windows-event-log.js';

export interface TelemetryOptions {
  /** `start --log-level` / `--log-format`, over the config's keys. */
  logLevel?: LogLevel | undefined;
  logFormat?: LogFormat | undefined;
  /** Records on stdout too: false for a detached daemon, whose stdout nobody reads. */
  console: boolean;
}

/**
 * What `status` says of the daemon's surroundings: its log file, metrics server, PocketBase source, place in the
 * fleet, and the service manager that runs it.
 */
export type TelemetryStatus = Pick<DaemonStatus, 'logFile' | 'metrics' | 'pocketbase' | 'fleet' | 'service'>;

/**
 * The daemon's logging (DESIGN.md, "telemetry"): one bunyan logger whose records go to the rotating log file,
 * to the buffer `sync-daemon logs` reads, and to stdout (JSON or readable, with syslog priorities under
 * systemd). A log file that cannot be written is said on stderr and in `status`, and never stops the daemon.
 */
export class DaemonTelemetry {
  readonly logger: Logger;
  readonly recent = new RecentLogRecords();
  private readonly file: RotatingLogFile;
  private readonly sinks: DaemonLogSinks;

  constructor(config: Config, options: TelemetryOptions) {
    const { daemon } = config;
    const { stdout, stderr } = process;
    this.file = new RotatingLogFile({
      path: daemon.log_file,
      maxBytes: daemon.log_max_size_mb * 1024 * 1024,
      maxFiles: daemon.log_max_files,
      onProblem: (problem, dropped) => {
        if (problem) {
          stderr.write(`sync-daemon: ${problem}\n`);
          this.logger.warn(problem);
        } else
          this.logger.warn(
            { dropped },
            `the log file ${daemon.log_file} can be written again${dropped ? `; ${dropped} records were dropped meanwhile` : ''}`,
          );
      },
    });
    const format = resolveLogFormat(options.logFormat ?? daemon.log_format, stdout.isTTY === true);
    this.sinks = {
      level: options.logLevel ?? daemon.log_level,
      file: this.file,
      recent: this.recent,
      console: options.console ? new ConsoleLogStream(stdout, format, isJournalStream()) : undefined,
      eventLog:
        process.platform === 'win32'
          ? new WindowsEventLog({ onProblem: (problem) => this.logger.warn(problem) })
          : undefined,
    };
    this.logger = createDaemonLogger(this.sinks);
  }

  /** From now on every record also goes to `upload` (the fleet's spool), or no longer anywhere else. */
  uploadTo(upload: DaemonLogSinks['upload']): void {
    this.sinks.upload = upload;
  }

  status(): Required<Pick<TelemetryStatus, 'logFile'>> {
    const problem = this.file.problem;
    return { logFile: { path: this.file.path, ...(problem ? { problem } : {}) } };
  }

  /** Writes what is queued, synchronously: before the process exits, even on a fatal error. */
  flush(): void {
    this.file.flush();
  }

  close(): void {
    this.recent.release();
    this.file.close();
  }
}
