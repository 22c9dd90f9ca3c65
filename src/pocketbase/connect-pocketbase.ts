import type PocketBase from 'pocketbase';
import type { Config } from '../config/schema.js';

export type PocketBaseSettings = NonNullable<Config['pocketbase']>;

/** Why PocketBase could not be used: unreachable, credentials refused, or an answer that makes no sense. */
export class PocketBaseError extends Error {
  override readonly name = 'PocketBaseError';
  constructor(
    readonly code: 'POCKETBASE_UNREACHABLE' | 'POCKETBASE_AUTH' | 'POCKETBASE_REFUSED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A PocketBase client signed in with the config's account (`auth_collection`: `_superusers` by default, or the
 * collection of an account made for daemons), every call bounded by `timeout_secs`. Node 20 has no
 * EventSource, which the SDK's realtime needs: the `eventsource` package stands in (loaded only here).
 */
export async function connectPocketBase(
  settings: PocketBaseSettings,
  url = settings.url,
  /** Aborts every request of the client, at once (a daemon leaving PocketBase). */
  signal?: AbortSignal,
): Promise<PocketBase> {
  const [{ default: PocketBaseClient }, { EventSource }] = await Promise.all([
    import('pocketbase'),
    import('eventsource'),
  ]);
  const global = globalThis as { EventSource?: unknown };
  global.EventSource ??= EventSource;
  const client = new PocketBaseClient(url);
  client.autoCancellation(false);
  client.beforeSend = (target, options) => {
    const limits = [AbortSignal.timeout(settings.timeout_secs * 1000), ...(signal ? [signal] : [])];
    if (options.signal) limits.push(options.signal);
    return { url: target, options: { ...options, signal: AbortSignal.any(limits) } };
  };
  try {
    await client
      .collection(settings.auth_collection)
      .authWithPassword(settings.admin_email, settings.admin_password ?? '');
  } catch (error) {
    throw describePocketBaseError(
      error,
      url,
      `signing in as ${settings.admin_email} (${settings.auth_collection})`,
    );
  }
  return client;
}

/** Runs one request of `client`; a failure is thrown as describePocketBaseError says it. */
export async function callPocketBase<T>(
  client: PocketBase,
  doing: string,
  action: () => Promise<T>,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw describePocketBaseError(error, client.baseURL, doing);
  }
}

/** A PocketBase SDK error (or a network one) as one clear sentence naming the server and what was being done. */
export function describePocketBaseError(error: unknown, url: string, doing: string): PocketBaseError {
  // Described already (signing in, under another call): said once, not wrapped again.
  if (error instanceof PocketBaseError) return error;
  const status = (error as { status?: unknown }).status;
  const response = (error as { response?: { message?: unknown; data?: unknown } }).response;
  const detail = typeof response?.message === 'string' ? response.message : (error as Error).message;
  if (status === 0 || status === undefined)
    return new PocketBaseError(
      'POCKETBASE_UNREACHABLE',
      `cannot reach PocketBase at ${url} while ${doing}: ${causeOf(error) ?? detail}`,
    );
  if (status === 400 || status === 401 || status === 403) {
    const fields =
      response?.data && Object.keys(response.data).length ? ` ${JSON.stringify(response.data)}` : '';
    return new PocketBaseError(
      status === 400 && doing.startsWith('signing in') ? 'POCKETBASE_AUTH' : 'POCKETBASE_REFUSED',
      `PocketBase at ${url} refused ${doing} (HTTP ${status}): ${detail}${fields}`,
    );
  }
  return new PocketBaseError(
    'POCKETBASE_REFUSED',
    `PocketBase at ${url} failed ${doing} (HTTP ${status}): ${detail}`,
  );
}

function causeOf(error: unknown): string | undefined {
  const original = (error as { originalError?: { cause?: { code?: string; message?: string } } })
    .originalError;
  return original?.cause?.code ?? original?.cause?.message;
}
