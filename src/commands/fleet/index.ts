import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { connectConfiguredPocketBase } from '../../cli/connect-configured-pocketbase.js';
import type { FleetDaemon } from '../../pocketbase/read-fleet.js';

export default class Fleet extends BaseCommand<typeof Fleet> {
  static override summary =
    'Show every daemon reporting to the PocketBase of the config: alive, late, gone or stopped.';
  static override description =
    'Read from PocketBase (the daemons collection), so it works from any machine that can reach it, with no ' +
    'daemon running there. A daemon is alive while its heartbeats come on time (heartbeat_interval_secs), late ' +
    'once it missed two, gone once it missed five, and stopped when it said so as it stopped. Under each daemon, ' +
    'its jobs with their state and last run as of its last heartbeat.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> runs --host nas -n 50',
  ];
  static override flags = {
    url: Flags.string({ summary: 'PocketBase URL, overriding pocketbase.url of the config.' }),
  };

  public async run(): Promise<{ daemons: FleetDaemon[] }> {
    const { client } = await connectConfiguredPocketBase(await this.loadConfig(), this.flags.url);
    const { readFleet } = await import('../../pocketbase/read-fleet.js');
    const { formatFleet } = await import('../../cli/format-fleet.js');
    const daemons = await readFleet(client);
    this.log(formatFleet(daemons).trimEnd());
    return { daemons };
  }
}
