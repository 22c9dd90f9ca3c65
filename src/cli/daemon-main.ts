import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../config/log-levels.js';
import { runDaemon } from '../supervisor/run-daemon.js';
import { takeStartReporter } from './start-report.js';
import { UsageError } from './usage-error.js';

/**
 * The detached daemon's own entry (runners/supervisor.js), spawned by `start` with flags it has already
 * checked: it skips oclif, whose ~15 MB the daemon would otherwise carry for its whole life. `start
 * --foreground` runs the same runDaemon through the CLI.
 */
export async function daemonMain(argv: readonly string[]): Promise<void> {
  const report = takeStartReporter();
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        socket: { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'pocketbase-url': { type: 'string' },
      },
      strict: true,
    });
    if (!values.config) throw new UsageError('--config is required');
    const logLevel = values['log-level'];
    if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel))
      throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
    const logFormat = values['log-format'];
    if (logFormat !== undefined && !(LOG_FORMATS as readonly string[]).includes(logFormat))
      throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}`);
    await runDaemon({
      configFile: values.config,
      socketPath: values.socket,
      logLevel: logLevel as LogLevel | undefined,
      logFormat: logFormat as LogFormat | undefined,
      // Detached: its stdout goes nowhere; the log file has every record.
      console: false,
      pocketbaseUrl: values['pocketbase-url'],
      version: packageVersion(),
      onReady: (ready) => report?.({ type: 'started', ready }),
    });
  } catch (error) {
    // Only on failure: the formatter brings in oclif's error types.
    const { formatFailure, toCommandFailure } = await import('./command-failure.js');
    const failure = toCommandFailure(error);
    report?.({ type: 'failed', failure });
    process.stderr.write(formatFailure(failure));
    process.exitCode = failure.exitCode;
  }
}

function packageVersion(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
}
