import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

// The PM2 side of the supervisor bench: PM2 installed under .bench (never a project dependency), run with its
// own PM2_HOME so the user's ~/.pm2 and any PM2 daemon of theirs are never touched, default settings otherwise.

const run = promisify(execFile);

const PM2_VERSION = '6';

/** What the bench reads of an entry of `pm2.list`. */
export interface Pm2App {
  name: string;
  pid: number;
  status: string;
}

interface Pm2Api {
  connect(callback: (error: Error | null) => void): void;
  list(callback: (error: Error | null, list: unknown[]) => void): void;
  disconnect(): void;
}

interface Pm2Module {
  custom: new (options: { pm2_home: string }) => Pm2Api;
}

/** `appCount` idle Node apps under one PM2 daemon; `kill()` ends the daemon and its apps. */
export class Pm2Fleet {
  private constructor(
    readonly home: string,
    readonly readyDir: string,
    private readonly bin: string,
    private readonly api: Pm2Api,
  ) {}

  static async start(work: string, appCount: number): Promise<Pm2Fleet> {
    const prefix = path.join(work, 'pm2');
    const home = path.join(work, 'pm2-home');
    const appDir = path.join(work, 'pm2-apps');
    const readyDir = path.join(appDir, 'ready');
    installPm2(prefix);
    const bin = path.join(prefix, 'node_modules', '.bin', 'pm2');
    await killLeftover(bin, home);
    fs.rmSync(appDir, { recursive: true, force: true });
    fs.mkdirSync(readyDir, { recursive: true });
    const ecosystem = writeApps(appDir, readyDir, appCount);
    // Read by PM2's modules when they load; set before the require below so no default path is ever used.
    process.env.PM2_HOME = home;
    const pm2 = createRequire(path.join(prefix, 'package.json'))('pm2') as Pm2Module;
    const fleet = new Pm2Fleet(home, readyDir, bin, new pm2.custom({ pm2_home: home }));
    try {
      await run(bin, ['start', ecosystem], { env: pm2Environment(home) });
      await new Promise<void>((resolve, reject) =>
        fleet.api.connect((error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      await fleet.kill().catch(() => undefined);
      throw error;
    }
    return fleet;
  }

  get godPid(): number {
    return Number(fs.readFileSync(path.join(this.home, 'pm2.pid'), 'utf8').trim());
  }

  /** `pm2.list` over PM2's own RPC socket, each entry checked: it comes from another process. */
  list(): Promise<Pm2App[]> {
    return new Promise((resolve, reject) =>
      this.api.list((error, list) => {
        if (error) reject(error);
        else resolve(list.map(toPm2App));
      }),
    );
  }

  /** The pid the app wrote when its script ran, or undefined before it has. */
  readyPid(name: string): number | undefined {
    try {
      return Number(fs.readFileSync(path.join(this.readyDir, name), 'utf8')) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Resolves once every app is online and has run its script. */
  async waitUntilOnline(timeoutMs = 30_000): Promise<Pm2App[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const apps = await this.list();
      if (apps.every((app) => app.status === 'online' && this.readyPid(app.name) === app.pid)) return apps;
      if (Date.now() > deadline) throw new Error(`the PM2 apps were not all online within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** `pm2 jlist` as a user runs it, for the CLI timing. */
  jlistCommand(): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
    return { command: this.bin, args: ['jlist'], env: pm2Environment(this.home) };
  }

  async kill(): Promise<void> {
    this.api.disconnect();
    await run(this.bin, ['kill'], { env: pm2Environment(this.home) });
  }
}

function installPm2(prefix: string): void {
  if (fs.existsSync(path.join(prefix, 'node_modules', 'pm2', 'package.json'))) return;
  process.stderr.write(`installing pm2@${PM2_VERSION} into ${prefix}…\n`);
  fs.mkdirSync(prefix, { recursive: true });
  execFileSync(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `pm2@${PM2_VERSION}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

function pm2Environment(home: string): NodeJS.ProcessEnv {
  return { ...process.env, PM2_HOME: home };
}

// The app PM2 supervises: idle, like a runner between syncs. It writes its pid once its script runs, the
// PM2 counterpart of a runner's `ready` message.
function writeApps(appDir: string, readyDir: string, appCount: number): string {
  const script = path.join(appDir, 'idle-app.cjs');
  fs.writeFileSync(
    script,
    [
      `require('node:fs').writeFileSync(require('node:path').join(${JSON.stringify(readyDir)}, process.env.name), String(process.pid));`,
      'setInterval(() => {}, 1 << 30);',
      '',
    ].join('\n'),
  );
  const apps = Array.from({ length: appCount }, (_, index) => ({ name: `idle-${index}`, script }));
  const ecosystem = path.join(appDir, 'ecosystem.config.cjs');
  fs.writeFileSync(ecosystem, `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`);
  return ecosystem;
}

// A PM2 daemon left by an interrupted bench would keep its apps and answer for ours.
async function killLeftover(bin: string, home: string): Promise<void> {
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(path.join(home, 'pm2.pid'), 'utf8').trim());
    process.kill(pid, 0);
  } catch {
    return;
  }
  await run(bin, ['kill'], { env: pm2Environment(home) });
}

function toPm2App(value: unknown): Pm2App {
  const entry = value as { name?: unknown; pid?: unknown; pm2_env?: { status?: unknown } } | null;
  if (typeof entry?.name !== 'string' || typeof entry.pid !== 'number')
    throw new Error(`pm2.list gave an entry without name and pid: ${JSON.stringify(value).slice(0, 200)}`);
  return { name: entry.name, pid: entry.pid, status: String(entry.pm2_env?.status) };
}
