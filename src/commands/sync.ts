import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { syncJob } from '../cli/sync-job.js';
import type { SyncCommandResult } from '../cli/sync-job-options.js';

export default class Sync extends BaseCommand<typeof Sync> {
  static override summary = 'Sync one job now: through the running daemon, or once in this process.';
  static override description =
    'With a daemon running on the socket, it asks the daemon to run the job (--wait follows the run to its result). ' +
    'With none, it runs the job here, in the foreground. ' +
    'Exits 0 when the run is ok (or queued), 1 when it is partial or failed, 2 for a bad config or job id. ' +
    'Ctrl-C stops a one-shot run at a safe point: no half-written file is left behind.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> documents',
    '<%= config.bin %> <%= command.id %> documents --wait',
    '<%= config.bin %> <%= command.id %> documents --dry-run',
    '<%= config.bin %> <%= command.id %> documents --config examples/config.toml --json',
  ];

  static override args = {
    job: Args.string({ description: 'Id of the sync job to run.', required: true }),
  };

  static override flags = {
    'dry-run': Flags.boolean({
      char: 'n',
      summary: 'Show what would change; write nothing at all.',
      default: false,
    }),
    wait: Flags.boolean({
      char: 'w',
      summary:
        'With a daemon: follow the run, with progress, and exit with its result (a dry run always does).',
      default: false,
    }),
  };

  // The same syncJob answers the fast path of `sync` (fast-cli.ts), so both behave alike by construction.
  public async run(): Promise<SyncCommandResult> {
    return syncJob({
      job: this.args.job,
      dryRun: this.flags['dry-run'],
      wait: this.flags.wait,
      json: this.jsonEnabled(),
      socketPath: () => this.socketPath(),
      loadConfig: () => this.loadConfig(),
      log: (line) => this.log(line),
    });
  }
}
