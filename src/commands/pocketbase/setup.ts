import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UsageError } from '../../cli/usage-error.js';

export interface PocketBaseSetupResult {
  url: string;
  collections: { name: string; outcome: 'created' | 'updated' | 'unchanged'; changes: string[] }[];
}

export default class PocketBaseSetup extends BaseCommand<typeof PocketBaseSetup> {
  static override summary =
    'Create or update the PocketBase collections sync-daemon reads (sync_jobs, file_watchers).';
  static override description =
    'Idempotent: run it again after an upgrade. Signs in with [pocketbase] of the config, which must be a ' +
    'superuser for this (a daemon itself may use a read-only account: any signed-in account can read the ' +
    'collections, only superusers can change them). Fields you added are kept; a field of ours with another ' +
    'type is refused, never converted.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --url http://127.0.0.1:8090',
  ];
  static override flags = {
    url: Flags.string({ summary: 'PocketBase URL, overriding pocketbase.url of the config.' }),
  };

  public async run(): Promise<PocketBaseSetupResult> {
    const { config, file } = await this.loadConfig();
    const settings = config.pocketbase;
    if (!settings)
      throw new UsageError(`${file} has no [pocketbase] section`, [
        'add url, admin_email and admin_password (a superuser) under [pocketbase]',
      ]);
    const url = this.flags.url ?? settings.url;
    const { connectPocketBase } = await import('../../pocketbase/connect-pocketbase.js');
    const { setupCollections } = await import('../../pocketbase/setup-collections.js');
    const collections = await setupCollections(await connectPocketBase(settings, url));
    for (const { name, outcome, changes } of collections)
      this.log(
        outcome === 'unchanged'
          ? `${name}: up to date`
          : `${name}: ${outcome}${changes.length ? ` (${changes.join('; ')})` : ''}`,
      );
    return { url, collections };
  }
}
