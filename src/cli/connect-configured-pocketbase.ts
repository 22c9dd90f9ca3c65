import type PocketBase from 'pocketbase';
import type { LoadedConfig } from '../config/load-config.js';
import { UsageError } from './usage-error.js';

/** A client signed in with the config's [pocketbase] (`url` replaced by --url), or a usage error naming the file. */
export async function connectConfiguredPocketBase(
  loaded: LoadedConfig,
  urlOverride: string | undefined,
  { setup = false } = {},
): Promise<{ client: PocketBase; url: string }> {
  const settings = loaded.config.pocketbase;
  if (!settings)
    throw new UsageError(`${loaded.file} has no [pocketbase] section`, [
      setup
        ? 'add url, admin_email and admin_password (a superuser) under [pocketbase]'
        : 'add url, admin_email and admin_password (or $SYNC_DAEMON_POCKETBASE_PASSWORD) under [pocketbase]',
    ]);
  const url = urlOverride ?? settings.url;
  const { connectPocketBase } = await import('../pocketbase/connect-pocketbase.js');
  return { client: await connectPocketBase(settings, url), url };
}
