import type PocketBase from 'pocketbase';
import { connectPocketBase, type PocketBaseSettings } from './connect-pocketbase.js';

/** A token with less than this left is refreshed before it is used. */
const TOKEN_REFRESH_SECS = 600;

/**
 * One signed-in PocketBase client, kept for as long as it is good: the token is refreshed when it has less than
 * 10 minutes left (a refused refresh signs in again with the password), and a new session is made when it has
 * expired or was dropped after the server went away.
 */
export class PocketBaseSession {
  private client: PocketBase | undefined;
  /** Aborts the requests of the current client (the SDK's own cancellation is off: autoCancellation(false)). */
  private controller = new AbortController();

  constructor(
    private readonly settings: PocketBaseSettings,
    readonly url: string,
  ) {}

  async connected(): Promise<PocketBase> {
    const client = this.client;
    if (client?.authStore.isValid) {
      if (!expiresWithin(client.authStore.token, TOKEN_REFRESH_SECS)) return client;
      try {
        await client.collection(this.settings.auth_collection).authRefresh();
        return client;
      } catch {
        // Signed in again below.
      }
    }
    if (client) disconnectRealtime(client);
    if (this.controller.signal.aborted) this.controller = new AbortController();
    this.client = await connectPocketBase(this.settings, this.url, this.controller.signal);
    return this.client;
  }

  /** The id of the signed-in account (what `account` fields hold), once signed in. */
  get accountId(): string | undefined {
    return this.client?.authStore.record?.id;
  }

  /**
   * Forgets the client: its requests (signing in included) are aborted and its realtime connection closed at
   * once. Not by unsubscribing: with the server down, the SDK would wait for a connection that never comes, and
   * keep reconnecting (and the process alive) meanwhile.
   */
  drop(): void {
    this.controller.abort();
    const client = this.client;
    this.client = undefined;
    if (client) disconnectRealtime(client);
  }
}

/** The SDK's RealtimeService.disconnect: public in its code, left out of its typings. */
function disconnectRealtime(client: PocketBase): void {
  (client.realtime as unknown as { disconnect?: () => void }).disconnect?.();
}

/** Whether a JWT expires within `seconds` (read here: the SDK is loaded only once PocketBase is used). */
function expiresWithin(token: string, seconds: number): boolean {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: number;
    };
    return typeof payload.exp !== 'number' || payload.exp - Date.now() / 1000 < seconds;
  } catch {
    return true;
  }
}
