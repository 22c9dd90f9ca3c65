import type Logger from 'bunyan';
import type { Config, SyncJob } from '../config/schema.js';
import type { RunnerState } from '../control/daemon-api.js';
import type { SyncProgress } from '../engine/types.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import type { RunnerToSupervisor } from '../ipc/runner-protocol.js';
import { runnerJobOf } from '../jobs/runner-job-of.js';
import { captureOutputLines, describeExit } from '../telemetry/capture-runner-output.js';
import { forkSyncRunner } from './fork-sync-runner.js';
import type { RunResult } from './run-history.js';
import { RunnerHandle, type RunnerProcess } from './runner-handle.js';

/** What the supervisor does with a runner's news; the runner's own logs go straight to the logger. */
export interface JobRunnerHooks {
  progress(runId: string, progress: SyncProgress): void;
  result(runId: string, result: RunResult): void;
  /** The runner died during this run. */
  runLost(runId: string): void;
  state(state: RunnerState): void;
  /** A watcher of the job saw changes (or asks for a full run). */
  changed(message: Extract<RunnerToSupervisor, { type: 'changed' }>): void;
  /** The job's watchers as they stand now. */
  watchers(message: Extract<RunnerToSupervisor, { type: 'watchers' }>): void;
}

/** Starts one job's runner with the config's supervision settings and routes what it says. */
export function startJobRunner(
  config: Config,
  job: SyncJob,
  {
    lockDir,
    logger,
    spawn = forkSyncRunner,
  }: { lockDir: string; logger: Logger; spawn?: ((job: RunnerJob) => RunnerProcess) | undefined },
  hooks: JobRunnerHooks,
): RunnerHandle {
  const { daemon } = config;
  const handle = new RunnerHandle({
    job: runnerJobOf(config, job, lockDir),
    spawn: (runnerJob) => {
      const child = spawn(runnerJob);
      // What a runner prints outside its records: warnings on stderr, anything else on stdout.
      captureOutputLines(child, (stream, line) =>
        logger[stream === 'stderr' ? 'warn' : 'info']({ job: job.id, runnerPid: child.pid, stream }, line),
      );
      return child;
    },
    stopTimeoutMs: daemon.stop_timeout_secs * 1000,
    backoff: {
      initialMs: daemon.restart_backoff_initial_ms,
      maxMs: daemon.restart_backoff_max_ms,
      resetAfterMs: daemon.restart_backoff_reset_secs * 1000,
      crashloopAfter: daemon.crashloop_after_crashes,
    },
  });
  handle.on('message', (message) => {
    switch (message.type) {
      case 'ready':
        break;
      case 'log':
        for (const record of message.records) {
          logger[record.level](
            { job: job.id, ...(record.runId ? { runId: record.runId } : {}), runnerTime: record.time },
            record.msg,
          );
        }
        break;
      case 'progress':
        hooks.progress(message.runId, message.progress);
        break;
      case 'result':
        hooks.result(message.runId, message);
        break;
      case 'changed':
        hooks.changed(message);
        break;
      case 'watchers':
        hooks.watchers(message);
        break;
      default:
        logger.warn({ job: job.id }, `unhandled runner message ${JSON.stringify(message satisfies never)}`);
    }
  });
  handle.on('invalid', (error) => logger.warn({ job: job.id }, error));
  handle.on('run-lost', (runId) => hooks.runLost(runId));
  handle.on('exit', (exit) => {
    const fields = {
      job: job.id,
      runnerPid: exit.pid,
      code: exit.code,
      signal: exit.signal,
      runId: exit.runId,
    };
    // Asked to stop and stopped cleanly: routine. Anything else is a crash, never silent.
    if (exit.stopping && exit.code === 0) logger.debug(fields, 'runner exited');
    else
      logger[exit.stopping ? 'warn' : 'error'](
        fields,
        `the runner of job ${job.id} ${describeExit(exit)}${exit.stopping ? ' while stopping' : ''}${exit.runId ? ` during run ${exit.runId}` : ''}`,
      );
  });
  handle.on('state', (state) => {
    const level = state === 'backoff' || state === 'crashloop' ? 'warn' : 'debug';
    logger[level](
      { job: job.id, state, runnerPid: handle.pid, restarts: handle.restarts },
      `runner ${state}`,
    );
    hooks.state(state);
  });
  handle.start();
  return handle;
}
