import type PocketBase from 'pocketbase';
import { DAEMON_LOGS, SYNC_RUNS } from './collection-schemas.js';
import { callPocketBase } from './connect-pocketbase.js';

/** Each collection a daemon prunes, by the field that dates its records. */
const DATED = [
  { collection: SYNC_RUNS.name, field: 'finished_at' },
  { collection: DAEMON_LOGS.name, field: 'time' },
] as const;

const PAGE = 200;

/**
 * Deletes this host's runs and log records older than `days` days (written by this account: the rules let an
 * account delete its own only), a page at a time; returns how many went from each collection.
 */
export async function pruneOldRecords(
  client: PocketBase,
  {
    host,
    account,
    days,
    now = Date.now(),
    signal,
  }: { host: string; account: string; days: number; now?: number; signal?: AbortSignal },
): Promise<Record<string, number>> {
  const cutoff = new Date(now - days * 86_400_000).toISOString().replace('T', ' ');
  const pruned: Record<string, number> = {};
  for (const { collection, field } of DATED) {
    pruned[collection] = 0;
    const filter = client.filter(`host = {:host} && account = {:account} && ${field} < {:cutoff}`, {
      host,
      account,
      cutoff,
    });
    for (;;) {
      const page = await callPocketBase(client, `listing old records of ${collection}`, () =>
        client.collection(collection).getList(1, PAGE, { filter, fields: 'id', skipTotal: true }),
      );
      for (const { id } of page.items) {
        // A daemon stopping stops pruning at once: the rest goes at its next start.
        if (signal?.aborted) return pruned;
        await callPocketBase(client, `pruning ${collection}`, () => client.collection(collection).delete(id));
        pruned[collection]++;
      }
      if (page.items.length < PAGE) break;
    }
  }
  return pruned;
}
