import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { RunnerState } from '../control/daemon-api.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import {
  parseRunnerMessage,
  type RunnerToSupervisor,
  type SupervisorToRunner,
} from '../ipc/runner-protocol.js';
import { type LongTimeout, setLongTimeout } from '../scheduler/long-timeout.js';
import { killTree } from '../util/kill-tree.js';
import { type BackoffPolicy, computeRestartDelay, DEFAULT_BACKOFF } from './restart-backoff.js';

/** What the handle needs of a child process: `child_process.fork`'s result, or a test double. */
export interface RunnerProcess extends EventEmitter {
  readonly pid?: number | undefined;
  readonly connected: boolean;
  /** Its output, when piped (forkSyncRunner): read line by line into records. */
  readonly stdout?: Readable | null;
  readonly stderr?: Readable | null;
  send(message: SupervisorToRunner): boolean;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface RunnerHandleOptions {
  job: RunnerJob;
  spawn: (job: RunnerJob) => RunnerProcess;
  backoff?: BackoffPolicy;
  /** From `{type:'stop'}` to SIGTERM, and again from SIGTERM to killing the whole tree. */
  stopTimeoutMs?: number;
  /** A runner not ready this long after it started is stuck: killed, and restarted like a crash. */
  readyTimeoutMs?: number;
  /** Kills a process and its descendants; replaced in unit tests, whose fake children have made-up pids. */
  killTree?: (pid: number) => void;
}

export interface RunnerHandleEvents {
  message: [RunnerToSupervisor];
  state: [RunnerState];
  /** A message that failed its check: logged by the supervisor, never trusted. */
  invalid: [string];
  /** The runner died during a run: its result will never come (the dispatcher runs the job again). */
  'run-lost': [string];
  /** The runner's process ended: asked to (`stopping`) or not (a crash), with its exit code or signal. */
  exit: [RunnerExit];
}

export interface RunnerExit {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It was being stopped; otherwise it died by itself (or failed to start). */
  stopping: boolean;
  /** The run it took with it, if any. */
  runId?: string;
  /** Why it never started (a failed spawn), when it did not. */
  error?: string;
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const DEFAULT_READY_TIMEOUT_MS = 30_000;

/**
 * Supervises one job's runner process: starts it, restarts it with backoff when it dies, and stops it with
 * a polite message, then SIGTERM, then a kill of its whole process tree. Other jobs never wait on it.
 */
export class RunnerHandle extends EventEmitter<RunnerHandleEvents> {
  private child: RunnerProcess | undefined;
  private currentState: RunnerState = 'stopped';
  private consecutiveCrashes = 0;
  /** When the current runner said it was ready; undefined while it starts. */
  private readyAt: number | undefined;
  private readyTimer: NodeJS.Timeout | undefined;
  private restartTimer: LongTimeout | undefined;
  private activeRunId: string | undefined;
  private stopping: Promise<void> | undefined;
  restarts = 0;

  constructor(private readonly options: RunnerHandleOptions) {
    super();
  }

  get state(): RunnerState {
    return this.currentState;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.child || this.stopping) return;
    const child = this.options.spawn(this.options.job);
    this.child = child;
    this.readyAt = undefined;
    this.setState('starting');
    this.readyTimer = setTimeout(() => {
      if (this.child === child && this.currentState === 'starting') this.kill();
    }, this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    child.on('message', (value: unknown) => this.receive(child, value));
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) =>
      this.exited(child, { code, signal }),
    );
    // A failed spawn (ENOENT, EAGAIN) has no pid and may never emit 'exit': a crash. On a live child, 'error'
    // means a send or kill failed; its 'exit', if it is dying, comes on its own.
    child.on('error', (error: Error) => {
      if (child.pid === undefined) this.exited(child, { code: null, signal: null, error: error.message });
    });
  }

  /** Asks an idle runner to sync; false when it is not idle (the dispatcher keeps the run pending). */
  sync(runId: string, mode: 'full' | 'paths', options: { paths?: string[]; dryRun?: boolean } = {}): boolean {
    if (this.currentState !== 'idle' || !this.child?.connected) return false;
    this.activeRunId = runId;
    this.child.send({ type: 'sync', runId, mode, ...options });
    this.setState('syncing');
    return true;
  }

  /** Kills a hung runner's whole tree at once; it counts as a crash, so the runner comes back. */
  kill(): void {
    const pid = this.child?.pid;
    if (pid !== undefined) (this.options.killTree ?? killTree)(pid);
  }

  /** Stops the runner for good; resolves once the process is gone. */
  stop(): Promise<void> {
    this.stopping ??= this.stopChild();
    return this.stopping;
  }

  private async stopChild(): Promise<void> {
    this.restartTimer?.clear();
    clearTimeout(this.readyTimer);
    const child = this.child;
    if (!child) {
      this.setState('stopped');
      return;
    }
    this.setState('stopping');
    const timeout = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const gone = new Promise<void>((resolve) => {
      if (this.child !== child) resolve();
      else child.once('exit', () => resolve());
    });
    if (child.connected) child.send({ type: 'stop' });
    if (await settlesWithin(gone, timeout)) return;
    child.kill('SIGTERM');
    if (await settlesWithin(gone, timeout)) return;
    // The reference kept above is the child we meant to stop, never a restarted one.
    if (child.pid !== undefined) (this.options.killTree ?? killTree)(child.pid);
    await gone;
  }

  private receive(child: RunnerProcess, value: unknown): void {
    if (child !== this.child) return;
    const parsed = parseRunnerMessage(value);
    if (!parsed.ok) {
      this.emit('invalid', parsed.error);
      return;
    }
    const message = parsed.message;
    if (message.type === 'ready' && this.currentState === 'starting') {
      clearTimeout(this.readyTimer);
      this.readyAt = Date.now();
      this.setState('idle');
    }
    if (message.type === 'result' && message.runId === this.activeRunId) {
      this.activeRunId = undefined;
      if (this.currentState === 'syncing') this.setState('idle');
    }
    this.emit('message', message);
  }

  private exited(
    child: RunnerProcess,
    how: { code: number | null; signal: NodeJS.Signals | null; error?: string },
  ): void {
    if (child !== this.child) return;
    clearTimeout(this.readyTimer);
    this.child = undefined;
    const lostRun = this.activeRunId;
    this.activeRunId = undefined;
    this.emit('exit', {
      pid: child.pid,
      ...how,
      stopping: this.stopping !== undefined,
      ...(lostRun ? { runId: lostRun } : {}),
    });
    if (lostRun) this.emit('run-lost', lostRun);
    if (this.stopping) {
      this.setState('stopped');
      return;
    }
    const policy = this.options.backoff ?? DEFAULT_BACKOFF;
    // Up and ready long enough before this crash: earlier crashes no longer count. Counted from ready, not from
    // spawn, so a runner that takes long to start and then crashes soon after is still backed off.
    if (this.readyAt !== undefined && Date.now() - this.readyAt >= policy.resetAfterMs)
      this.consecutiveCrashes = 0;
    this.consecutiveCrashes++;
    this.restarts++;
    const delay = computeRestartDelay(this.consecutiveCrashes, policy);
    this.setState(this.consecutiveCrashes >= policy.crashloopAfter ? 'crashloop' : 'backoff');
    // restart_backoff_max_ms has no upper bound: a long ceiling waits in a chain of timers.
    this.restartTimer = setLongTimeout(() => this.start(), delay);
  }

  private setState(state: RunnerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state);
  }
}

async function settlesWithin(promise: Promise<void>, milliseconds: number): Promise<boolean> {
  let timer: LongTimeout | undefined;
  // stop_timeout_secs has no upper bound either.
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setLongTimeout(() => resolve(false), milliseconds);
  });
  const result = await Promise.race([promise.then(() => true), timedOut]);
  timer?.clear();
  return result;
}
