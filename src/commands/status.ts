import { BaseCommand } from '../cli/base-command.js';
import { formatStatus } from '../cli/format-status.js';
import { asDaemonStatus } from '../control/check-replies.js';
import { callDaemon } from '../control/control-client.js';
import type { DaemonStatus } from '../control/daemon-api.js';

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show the daemon and every job: state, runner, restarts, last and next run.';
  static override description =
    'Exits 3 when no daemon is running on the socket (as `systemctl status` does).';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  public async run(): Promise<DaemonStatus> {
    const status = asDaemonStatus(await callDaemon(await this.socketPath(), 'status'));
    if (!this.jsonEnabled()) process.stdout.write(formatStatus(status));
    return status;
  }
}
