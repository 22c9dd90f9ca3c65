import { countErrorCodes } from '../engine/count-error-codes.js';
import { describeCrash, failedResult } from '../engine/failed-result.js';
import type { RunnerJob } from '../ipc/runner-job.js';
import {
  parseSupervisorMessage,
  type RunnerToSupervisor,
  type SupervisorToRunner,
} from '../ipc/runner-protocol.js';
import { EngineHost, type EngineOutcome } from './engine-host.js';
import { LogBatcher } from './log-batcher.js';
import { folderOnEitherSide, selectReportedErrors } from './select-reported-errors.js';

const WATCHERS_STOP_MS = 2000;

/** The two ends a runner talks through: process.send/on('message') in production, anything alike in tests. */
export interface RunnerChannel {
  send(message: RunnerToSupervisor): void;
  onMessage(listener: (message: unknown) => void): void;
  onDisconnect(listener: () => void): void;
  exit(code: number): void;
}

/**
 * One job's runner: it runs the engine when the supervisor says so, streams progress and a result, and stops
 * at a safe point when told to or when the supervisor goes away (so no runner outlives it).
 */
export function startSyncRunner(job: RunnerJob, channel: RunnerChannel): void {
  const logs = new LogBatcher((records) => channel.send({ type: 'log', records }), job.logLevel);
  let current: { runId: string; abort: AbortController; done: Promise<void> } | undefined;
  let stopping = false;
  let watchers: Promise<{ stop(): Promise<void> } | undefined> = Promise.resolve(undefined);
  // Watches end before the process does, but a watch still setting up (chokidar on a slow mount) is not
  // waited for past WATCHERS_STOP_MS: exiting ends it anyway.
  const exit = (code: number) => {
    const stopped = watchers.then((running) => running?.stop());
    const waited = new Promise((resolve) => setTimeout(resolve, WATCHERS_STOP_MS).unref());
    void Promise.race([stopped, waited])
      .catch(() => undefined)
      .finally(() => channel.exit(code));
  };
  const engine = new EngineHost();
  // Said once per runner: a thread that keeps failing must not fill the log.
  const warned = new Set<string>();
  const warnOnce = (message: string, runId: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    logs.log('warn', message, runId);
  };

  const run = (message: Extract<SupervisorToRunner, { type: 'sync' }>) => {
    const { runId } = message;
    const abort = new AbortController();
    const { id: _id, lockDir, watchers: _watchers, ...request } = job;
    const dryRun = message.dryRun === true;
    // The watchers' changed paths: synced alone, with what lies under them (see sync-scope.ts).
    // A change of the source folder itself ("") is the whole tree: a full run, on the engine's thread.
    const incremental =
      message.mode === 'paths' && message.paths !== undefined && !message.paths.includes('');
    // Debug: the supervisor logs each run's start and end; these carry the runner's own clock.
    const scope = incremental ? `${message.paths?.length} changed path(s)` : 'full';
    logs.log('debug', `sync started (${scope}${dryRun ? ', dry run' : ''})`, runId);
    const done = lockedRun(dryRun ? undefined : { destination: job.destination, lockDir }, () =>
      engine.run(
        { ...request, dryRun, ...(incremental ? { paths: message.paths } : {}) },
        {
          inline: incremental,
          signal: abort.signal,
          onProgress: (progress) => channel.send({ type: 'progress', runId, progress }),
          onWarning: (message) => warnOnce(message, runId),
          // A dry run is asked for to be read: its planned changes go back with the result.
          collectPlan: dryRun,
          // At debug, a record per file acted on (at trace, per file left as it was too), with its reason.
          onEntries: logs.wants('debug')
            ? (entries) => {
                for (const entry of entries)
                  logs.log(
                    entry.action === 'skip' ? 'trace' : 'debug',
                    `${entry.action} ${entry.path}: ${entry.reason}`,
                    runId,
                  );
              }
            : undefined,
          entrySkips: logs.wants('trace'),
        },
      ),
    )
      .then(
        (outcome) => finish(runId, outcome),
        (error: unknown) => finish(runId, { result: failedResult('ENGINE_CRASH', describeCrash(error)) }),
      )
      // Reporting the end failed (the channel is gone): nothing is left to tell, and the runner must not die of it.
      .catch((error: unknown) => {
        process.stderr.write(`sync-runner: ${describeCrash(error)}\n`);
        if (stopping) exit(1);
      });
    current = { runId, abort, done };
  };

  const finish = (runId: string, { result, plan }: EngineOutcome) => {
    current = undefined;
    logs.log(
      'debug',
      `sync ${result.outcome}: ${result.stats.copied} copied, ${result.stats.updated} updated, ${result.stats.deleted} deleted, ${result.errors.length} errors`,
      runId,
    );
    logs.flush();
    channel.send({
      type: 'result',
      runId,
      outcome: result.outcome,
      stats: result.stats,
      errors: selectReportedErrors(result.errors, folderOnEitherSide(job.source, job.destination)),
      errorCounts: countErrorCodes(result.errors),
      warnings: result.warnings,
      ...(plan ? { plan } : {}),
    });
    if (stopping) exit(0);
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    logs.log('info', current ? 'stopping after the current file' : 'stopping');
    logs.flush();
    if (current) current.abort.abort();
    else exit(0);
  };

  channel.onMessage((value) => {
    const parsed = parseSupervisorMessage(value);
    if (!parsed.ok) {
      logs.log('warn', parsed.error);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'sync':
        // The supervisor never sends a second sync while one runs; if it did, the run it asked for would be lost.
        if (current || stopping)
          logs.log(
            'warn',
            `sync ${message.runId} refused: ${stopping ? 'stopping' : `run ${current?.runId} is running`}`,
          );
        else run(message);
        break;
      case 'stop':
        stop();
        break;
      default:
        logs.log('warn', `unexpected message ${JSON.stringify(message satisfies never)}`);
    }
  });
  // The supervisor is gone (even killed with SIGKILL): stop at a safe point and exit, leaving no orphan.
  channel.onDisconnect(stop);
  channel.send({ type: 'ready' });
  // A watched job's start-up sync follows its watch's set-up: the engine loads meanwhile, on another core.
  if (job.watchers.length > 0) engine.warmUp();
  watchers = startWatchers(job, channel, logs);
}

/**
 * The job's watchers, started once the runner is ready (loaded only by runners that have some). A watcher never
 * ends its runner: whatever fails, it reports, degrades to full runs and watches again.
 */
async function startWatchers(
  job: RunnerJob,
  channel: RunnerChannel,
  logs: LogBatcher,
): Promise<{ stop(): Promise<void> } | undefined> {
  if (job.watchers.length === 0) return undefined;
  try {
    const { JobWatchers } = await import('../watch/job-watchers.js');
    const watchers = new JobWatchers(job, job.watchers, {
      changed: (batch) => channel.send({ type: 'changed', ...batch }),
      status: (statuses, inotifyWatches) =>
        channel.send({
          type: 'watchers',
          watchers: statuses,
          ...(inotifyWatches === undefined ? {} : { inotifyWatches }),
        }),
      log: (level, message) => logs.log(level, message),
    });
    await watchers.start();
    return watchers;
  } catch (error) {
    logs.log('error', `the job's watchers did not start: ${describeCrash(error)}; only its schedule runs it`);
    return undefined;
  }
}

/** A real run holds its destination's lock (DESIGN.md, "Triggers"); a dry run writes nothing and needs none. */
async function lockedRun(
  lock: { destination: string; lockDir: string } | undefined,
  sync: () => Promise<EngineOutcome>,
): Promise<EngineOutcome> {
  if (!lock) return sync();
  let unlock: () => Promise<void>;
  try {
    const { lockDestination } = await import('../jobs/destination-lock.js');
    unlock = await lockDestination(lock.destination, lock.lockDir);
  } catch (error) {
    return {
      result: failedResult((error as { code?: string }).code ?? 'LOCK_FAILED', (error as Error).message),
    };
  }
  try {
    return await sync();
  } finally {
    await unlock().catch(() => undefined);
  }
}
