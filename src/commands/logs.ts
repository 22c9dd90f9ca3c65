import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { showLogs } from '../cli/show-logs.js';
import { LOG_LEVELS } from '../config/log-levels.js';
import { LEVEL_NUMBERS } from '../telemetry/log-record.js';
import { MAX_LOG_RECORDS } from '../telemetry/logs-control.js';

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = 'Show the daemon’s last log records, or follow them.';
  static override description =
    'From the running daemon, or from daemon.log_file (and its rotated files) when none runs. Runner records ' +
    'carry their job and run id. -f follows new records until Ctrl-C, across daemon restarts and log rotations.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --job documents --level warn -n 50',
    '<%= config.bin %> <%= command.id %> -f --json',
  ];
  // --json here means JSON lines (one bunyan record per line), which also works while following.
  static override enableJsonFlag = false;

  static override flags = {
    job: Flags.string({ char: 'j', summary: 'Only the records of this job.' }),
    level: Flags.option({
      options: LOG_LEVELS,
      char: 'l',
      summary: 'Only records at this level or above.',
    })(),
    lines: Flags.integer({
      char: 'n',
      summary: 'How many of the last records to show.',
      default: 10,
      min: 0,
      max: MAX_LOG_RECORDS,
    }),
    follow: Flags.boolean({ char: 'f', summary: 'Keep showing new records as they come.', default: false }),
    json: Flags.boolean({
      summary: 'One bunyan JSON record per line instead of readable lines.',
      default: false,
    }),
  };

  public async run(): Promise<void> {
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      await showLogs({
        socketPath: await this.socketPath(),
        logFile: async () => (await this.loadConfig()).config.daemon.log_file,
        job: this.flags.job,
        level: this.flags.level
          ? { name: this.flags.level, number: LEVEL_NUMBERS[this.flags.level] }
          : undefined,
        lines: this.flags.lines,
        follow: this.flags.follow,
        json: this.flags.json,
        write: (text) => process.stdout.write(text),
        note: (text) => process.stderr.write(`${text}\n`),
        signal: abort.signal,
      });
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
  }
}
