import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { connectConfiguredPocketBase } from '../../cli/connect-configured-pocketbase.js';
import type { FleetRun } from '../../pocketbase/read-fleet.js';

export default class FleetRuns extends BaseCommand<typeof FleetRuns> {
  static override summary =
    'List the latest runs the fleet recorded in PocketBase (sync_runs), newest first.';
  static override description =
    'Every daemon with [pocketbase] records each of its runs: when, where, how it ended and what it changed. ' +
    'Works from any machine that can reach PocketBase.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --job photos --host nas -n 50',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {
    job: Flags.string({ char: 'j', summary: 'Only the runs of this job.' }),
    host: Flags.string({ summary: 'Only the runs of the daemon of this host (its daemon.host).' }),
    lines: Flags.integer({ char: 'n', summary: 'How many runs to show.', default: 20, min: 1, max: 500 }),
    url: Flags.string({ summary: 'PocketBase URL, overriding pocketbase.url of the config.' }),
  };

  public async run(): Promise<{ runs: FleetRun[] }> {
    const { client } = await connectConfiguredPocketBase(await this.loadConfig(), this.flags.url);
    const { readRuns } = await import('../../pocketbase/read-fleet.js');
    const { formatRuns } = await import('../../cli/format-fleet.js');
    const runs = await readRuns(client, {
      job: this.flags.job,
      host: this.flags.host,
      limit: this.flags.lines,
    });
    this.log(formatRuns(runs).trimEnd());
    return { runs };
  }
}
