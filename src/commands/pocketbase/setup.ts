import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { connectConfiguredPocketBase } from '../../cli/connect-configured-pocketbase.js';

export interface PocketBaseSetupResult {
  url: string;
  collections: { name: string; outcome: 'created' | 'updated' | 'unchanged'; changes: string[] }[];
  /** Whether the batch API (daemons upload runs and logs through it) was on already or turned on now. */
  batchApi: { enabled: 'already' | 'now'; maxRequests: number };
}

export default class PocketBaseSetup extends BaseCommand<typeof PocketBaseSetup> {
  static override summary =
    'Create or update the PocketBase collections of sync-daemon (sync_daemons, sync_jobs, file_watchers, sync_runs, daemon_logs, daemons).';
  static override description =
    'Idempotent: run it again after an upgrade. Signs in with [pocketbase] of the config, which must be a ' +
    'superuser for this. Daemons may sign in as superusers, or better with accounts of sync_daemons (an auth ' +
    "collection only superusers add to; set an account's host to let it write for that host only): those read " +
    'jobs, watchers and the fleet, and write only their own runs, log records and heartbeat. Fields you added ' +
    "are kept; a field of ours with another type is refused, never converted. Turns on PocketBase's batch API, " +
    'which daemons upload through.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --url http://127.0.0.1:8090',
  ];
  static override flags = {
    url: Flags.string({ summary: 'PocketBase URL, overriding pocketbase.url of the config.' }),
  };

  public async run(): Promise<PocketBaseSetupResult> {
    const { client, url } = await connectConfiguredPocketBase(await this.loadConfig(), this.flags.url, {
      setup: true,
    });
    const { enableBatchApi, setupCollections } = await import('../../pocketbase/setup-collections.js');
    const collections = await setupCollections(client);
    for (const { name, outcome, changes } of collections)
      this.log(
        outcome === 'unchanged'
          ? `${name}: up to date`
          : `${name}: ${outcome}${changes.length ? ` (${changes.join('; ')})` : ''}`,
      );
    const batchApi = await enableBatchApi(client);
    this.log(
      batchApi.enabled === 'now'
        ? `batch API: turned on (daemons upload runs and logs in batches of up to ${batchApi.maxRequests})`
        : 'batch API: on',
    );
    return { url, collections, batchApi };
  }
}
