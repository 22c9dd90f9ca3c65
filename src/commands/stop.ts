import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { type StopOutcome, stopDaemon } from '../cli/stop-daemon.js';

export default class Stop extends BaseCommand<typeof Stop> {
  static override summary = 'Stop the daemon gracefully; returns once its process is gone.';
  static override description =
    'Running syncs stop at a safe point (no half-written file), then every runner and the daemon exit. ' +
    'Exits 3 when no daemon is running.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --force',
  ];

  static override flags = {
    force: Flags.boolean({
      summary: 'Kill the daemon and its runners if they have not stopped within the stop timeout.',
      default: false,
    }),
  };

  public async run(): Promise<StopOutcome> {
    const socketPath = await this.socketPath();
    if (!this.jsonEnabled()) process.stderr.write(`Stopping sync-daemon on ${socketPath}…\n`);
    const outcome = await stopDaemon(socketPath, { force: this.flags.force });
    this.log(`sync-daemon ${outcome.killed ? 'killed' : 'stopped'} (pid ${outcome.pid})`);
    return outcome;
  }
}
