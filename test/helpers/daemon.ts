import { type ChildProcess, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import bunyan from 'bunyan';
import treeKill from 'tree-kill';
import { loadConfigFile } from '../../src/config/load-config.js';
import { asDaemonStatus } from '../../src/control/check-replies.js';
import { callDaemon } from '../../src/control/control-client.js';
import type { DaemonStatus, JobStatus } from '../../src/control/daemon-api.js';
import type { RunnerJob } from '../../src/ipc/runner-job.js';
import type { RunnerProcess } from '../../src/supervisor/runner-handle.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { cliRootForOtherUsers } from './cli-for-other-users.js';
import { CLI, PROJECT_ROOT } from './run-cli.js';
import { waitFor } from './sync-helpers.js';
import { writeTree } from './temp-dir.js';

export interface TestJob {
  id: string;
  /** Files of the job's source; written under `<dir>/<id>/source`. */
  files?: Record<string, string>;
  /** TOML lines added to the job's table (e.g. `sync_timeout_secs = 2`). */
  extra?: string;
  schedule?: string;
}

/** A config in `dir` whose socket, pid file, log and cache all live in `dir`: tests never share a daemon. */
export async function writeDaemonConfig(
  dir: string,
  jobs: readonly TestJob[],
  {
    daemon = '',
    concurrency = '',
    metrics = 'address = "127.0.0.1:0"',
    extra = '',
  }: {
    daemon?: string;
    concurrency?: string;
    /** The `[metrics]` table: by default a free port, never the default 9090 that two daemons would share. */
    metrics?: string;
    /** TOML appended at the end, such as `[[file_watchers]]`. */
    extra?: string;
  } = {},
): Promise<string> {
  const sections = [
    '[daemon]',
    `socket_path = "${path.join(dir, 'run', 'daemon.sock')}"`,
    `pid_file = "${path.join(dir, 'run', 'daemon.pid')}"`,
    `log_file = "${path.join(dir, 'daemon.log')}"`,
    'log_level = "debug"',
    daemon,
    '[concurrency]',
    concurrency,
    '[metrics]',
    metrics,
    '[cache]',
    `cache_dir = "${path.join(dir, 'cache')}"`,
  ];
  for (const job of jobs) {
    await writeTree(path.join(dir, job.id, 'source'), job.files ?? { 'a.txt': `content of ${job.id}` });
    sections.push(
      '[[sync_jobs]]',
      `id = "${job.id}"`,
      `source_path = "${path.join(dir, job.id, 'source')}"`,
      `destination_path = "${path.join(dir, job.id, 'mirror')}"`,
      job.extra ?? '',
      '[sync_jobs.schedule]',
      job.schedule ?? 'type = "manual"',
    );
  }
  sections.push(extra);
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(file, `${sections.join('\n')}\n`);
  return file;
}

export function socketOf(dir: string): string {
  return path.join(dir, 'run', 'daemon.sock');
}

/** A daemon run in the foreground as the test's own child, with its JSON log lines collected. */
export class TestDaemon {
  readonly lines: Record<string, unknown>[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly socketPath: string,
  ) {
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
        newline = buffered.indexOf('\n');
      }
    });
    child.stderr?.resume();
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * `ownGroup`: in a process group of its own, as a terminal's foreground job is (for Ctrl-C to the group).
   * `env`: added to the daemon's environment, which its runners inherit (such as a RunGate's).
   * `user`: run as that user (root's tests of what an unprivileged user's daemon meets).
   */
  static async start(
    configFile: string,
    socketPath: string,
    {
      ownGroup = false,
      env = {},
      user = {},
    }: { ownGroup?: boolean; env?: Record<string, string>; user?: { uid?: number; gid?: number } } = {},
  ): Promise<TestDaemon> {
    // Another user cannot reach a checkout in a private folder: it runs the copy made for other users, from /.
    const asOther = user.uid !== undefined;
    const cli = asOther ? path.join(cliRootForOtherUsers(PROJECT_ROOT), 'bin', 'run.js') : CLI;
    const child = spawn(process.execPath, [cli, 'start', '--foreground', '--config', configFile], {
      ...user,
      ...(asOther ? { cwd: '/' } : {}),
      detached: ownGroup,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    });
    const daemon = new TestDaemon(child, socketPath);
    running.add(daemon);
    let exited = false;
    void daemon.exited.then(() => {
      exited = true;
    });
    await waitFor(
      async () => {
        if (exited) throw new Error(`the daemon exited before it answered:\n${daemon.logText()}`);
        return (await daemon.status().catch(() => undefined)) !== undefined;
      },
      { what: 'the daemon to answer', timeoutMs: 15_000, intervalMs: 50 },
    );
    return daemon;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async status(): Promise<DaemonStatus> {
    return asDaemonStatus(await callDaemon(this.socketPath, 'status', {}, { timeoutMs: 5000 }));
  }

  async job(id: string): Promise<JobStatus> {
    const job = (await this.status()).jobs.find((candidate) => candidate.id === id);
    if (!job) throw new Error(`no job ${id} in the daemon's status`);
    return job;
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    return callDaemon(this.socketPath, method, params, { timeoutMs: 60_000 });
  }

  /** Waits until every job's runner is ready (or the job is disabled). */
  async waitUntilIdle(timeoutMs = 15_000): Promise<DaemonStatus> {
    let last: DaemonStatus | undefined;
    await waitFor(
      async () => {
        last = await this.status();
        return last.jobs.every((job) => job.state === 'idle' || job.state === 'disabled');
      },
      { what: 'every job to be idle', timeoutMs, intervalMs: 25 },
    );
    return last as DaemonStatus;
  }

  /** Log lines with this message (and, if given, this job). */
  logged(msg: string | RegExp, job?: string): Record<string, unknown>[] {
    return this.lines.filter(
      (line) =>
        (typeof msg === 'string' ? line.msg === msg : msg.test(String(line.msg))) &&
        (job === undefined || line.job === job),
    );
  }

  logText(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }

  /** Resolves with the exit code once the daemon process is gone. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const code = await this.exited;
    running.delete(this);
    return code;
  }
}

const running = new Set<TestDaemon>();

/** For afterEach: no daemon or runner outlives its test, whatever the test did. */
export async function killTestDaemons(): Promise<void> {
  await Promise.all(
    [...running].map(async (daemon) => {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null && daemon.child.pid)
        treeKill(daemon.child.pid, 'SIGKILL');
      await daemon.waitForExit();
    }),
  );
  running.clear();
}

export const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures');

/** A runner process from a fixture script (one that crashes, hangs…), in place of the real runner. */
export function forkFixtureRunner(name: string): RunnerProcess {
  return fork(path.join(FIXTURES, name), [], { stdio: 'ignore' }) as unknown as RunnerProcess;
}

/**
 * A Supervisor in the test's own process, on the config in `dir` (see writeDaemonConfig), its runners forked by
 * `spawnRunner`; log records go to `records` when given, else nowhere.
 */
export async function startTestSupervisor(
  dir: string,
  spawnRunner: (job: RunnerJob) => RunnerProcess,
  records?: object[],
): Promise<Supervisor> {
  const config = path.join(dir, 'config.toml');
  const streams: bunyan.Stream[] = records
    ? [{ level: 'debug', type: 'raw', stream: { write: (record: object) => records.push(record) } }]
    : [];
  const supervisor = new Supervisor({
    loaded: await loadConfigFile(config),
    socketPath: socketOf(dir),
    lockDir: path.join(dir, 'locks'),
    version: 'test',
    logger: bunyan.createLogger({ name: 'test', streams }),
    reloadConfig: () => loadConfigFile(config),
    spawnRunner,
  });
  supervisor.start();
  return supervisor;
}
