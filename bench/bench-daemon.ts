import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { asDaemonStatus } from '../src/control/check-replies.js';
import type { ControlResponse } from '../src/control/control-protocol.js';
import type { DaemonStatus } from '../src/control/daemon-api.js';

// The sync-daemon side of the supervisor bench: a real detached daemon started and stopped through the CLI,
// and a control connection kept open, as a long-lived client (a dashboard, an exporter) would keep it.

const run = promisify(execFile);

/** Past this, a request on a kept connection fails the bench instead of hanging it. */
const CALL_TIMEOUT_MS = 10_000;

/** One connection to the control socket carrying many requests, each matched to its answer by id. */
export class ControlConnection {
  private buffered = '';
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('the daemon closed the control connection')));
  }

  static connect(socketPath: string): Promise<ControlConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new ControlConnection(socket));
      });
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.settle(line);
      newline = this.buffered.indexOf('\n');
    }
  }

  // The socket is another process: the line is checked before its id is trusted (STYLE.md rule 9).
  private settle(line: string): void {
    let response: ControlResponse;
    try {
      response = JSON.parse(line) as ControlResponse;
    } catch {
      this.failAll(new Error(`the daemon answered with invalid JSON: ${line.slice(0, 200)}`));
      return;
    }
    const waiter = typeof response?.id === 'number' ? this.pending.get(response.id) : undefined;
    if (!waiter || typeof response.id !== 'number') {
      this.failAll(new Error(`an answer to no request: ${line.slice(0, 200)}`));
      return;
    }
    this.pending.delete(response.id);
    if ('error' in response) waiter.reject(new Error(`${response.error.code}: ${response.error.message}`));
    else waiter.resolve(response.result);
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/** How the bench's jobs differ from the default: a manual job over a one-file source of its own. */
export interface BenchJobOptions {
  /** An existing tree to mirror, shared by every job (only dry runs may share it: nothing is written to it). */
  source?: string;
  /** TOML lines of the job's `[sync_jobs.schedule]` table. */
  schedule?: string;
  /** TOML lines of the job's `[sync_jobs.sync_options]` table. */
  syncOptions?: string;
}

/** A job of the bench's own trees, beside the daemon's small generated ones. */
export interface BenchJob {
  id: string;
  source: string;
  destination: string;
  /** TOML lines of the job's `[sync_jobs.sync_options]` table. */
  syncOptions?: string;
  /** TOML appended after the job, such as its `[[file_watchers]]`. */
  appended?: string;
}

/**
 * A daemon with `jobCount` jobs (manual unless `jobs` says otherwise), all its files in `dir`, and `extraJobs` on
 * trees of the bench's (left in place when it stops).
 */
export class BenchDaemon {
  private constructor(
    readonly dir: string,
    readonly configFile: string,
    readonly pid: number,
    readonly connection: ControlConnection,
    private readonly cli: string,
  ) {}

  static async start(
    root: string,
    dir: string,
    jobCount: number,
    jobs: BenchJobOptions = {},
    extraJobs: readonly BenchJob[] = [],
    /** TOML appended to the config, such as a `[pocketbase]` table. */
    appended = '',
  ): Promise<BenchDaemon> {
    const cli = path.join(root, 'bin', 'run.js');
    await removeLeftover(cli, dir);
    const configFile = writeConfig(dir, jobCount, jobs, extraJobs);
    if (appended) fs.appendFileSync(configFile, `${appended}\n`);
    const { stdout } = await run(process.execPath, [cli, 'start', '--config', configFile]);
    const pid = Number(/started \(pid (\d+)\)/.exec(stdout)?.[1]);
    if (!pid) throw new Error(`sync-daemon start printed no pid:\n${stdout}`);
    try {
      const connection = await ControlConnection.connect(path.join(dir, 'run', 'daemon.sock'));
      return new BenchDaemon(dir, configFile, pid, connection, cli);
    } catch (error) {
      await stopDaemon(cli, configFile);
      throw error;
    }
  }

  async status(): Promise<DaemonStatus> {
    return asDaemonStatus(await this.connection.call('status'));
  }

  /** Resolves with the status in which every runner is ready; throws past `timeoutMs`. */
  async waitUntilIdle(timeoutMs = 60_000): Promise<DaemonStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (status.jobs.every((job) => job.state === 'idle')) return status;
      if (Date.now() > deadline) {
        const states = status.jobs.map((job) => `${job.id}=${job.state}`).join(', ');
        throw new Error(`not every job became idle within ${timeoutMs} ms: ${states}`);
      }
      await sleep(25);
    }
  }

  async stop(): Promise<void> {
    this.connection.close();
    await stopDaemon(this.cli, this.configFile);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function writeConfig(
  dir: string,
  jobCount: number,
  jobs: BenchJobOptions,
  extraJobs: readonly BenchJob[],
): string {
  const run = path.join(dir, 'run');
  const lines = [
    '[daemon]',
    `socket_path = ${JSON.stringify(path.join(run, 'daemon.sock'))}`,
    `pid_file = ${JSON.stringify(path.join(run, 'daemon.pid'))}`,
    `log_file = ${JSON.stringify(path.join(dir, 'daemon.log'))}`,
    // Metrics on a free port: never the default 9090, which two daemons (or a Prometheus) would share.
    '[metrics]',
    'address = "127.0.0.1:0"',
    '[cache]',
    `cache_dir = ${JSON.stringify(path.join(dir, 'cache'))}`,
  ];
  for (let index = 0; index < jobCount; index++) {
    const id = `job-${index}`;
    let source = jobs.source;
    if (source === undefined) {
      source = path.join(dir, 'trees', id, 'source');
      fs.mkdirSync(source, { recursive: true });
      fs.writeFileSync(path.join(source, 'a.txt'), `content of ${id}\n`);
    }
    lines.push(...jobLines({ id, source, destination: path.join(dir, 'trees', id, 'mirror') }, jobs));
  }
  for (const job of extraJobs) {
    lines.push(...jobLines(job, job.syncOptions ? { syncOptions: job.syncOptions } : {}));
    if (job.appended) lines.push(job.appended);
  }
  const file = path.join(dir, 'config.toml');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Stops the daemon; one that does not stop within its stop timeout is killed, so the bench never leaves one. */
async function stopDaemon(cli: string, configFile: string): Promise<void> {
  try {
    await run(process.execPath, [cli, 'stop', '--config', configFile]);
  } catch {
    await run(process.execPath, [cli, 'stop', '--force', '--config', configFile]);
  }
}

// A bench interrupted by Ctrl-C leaves its daemon running: stop it (exit 3, none running, is fine) and start clean.
async function removeLeftover(cli: string, dir: string): Promise<void> {
  const configFile = path.join(dir, 'config.toml');
  if (!fs.existsSync(configFile)) return;
  await run(process.execPath, [cli, 'stop', '--force', '--config', configFile]).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** One `[[sync_jobs]]` table: manual unless `schedule` says otherwise. */
function jobLines(
  job: BenchJob,
  { schedule, syncOptions }: Pick<BenchJobOptions, 'schedule' | 'syncOptions'>,
): string[] {
  return [
    '[[sync_jobs]]',
    `id = "${job.id}"`,
    `source_path = ${JSON.stringify(job.source)}`,
    `destination_path = ${JSON.stringify(job.destination)}`,
    '[sync_jobs.schedule]',
    schedule ?? 'type = "manual"',
    ...(syncOptions ? ['[sync_jobs.sync_options]', syncOptions] : []),
  ];
}
