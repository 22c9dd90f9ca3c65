import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNNER_JOB_ENV, type RunnerJob } from '../ipc/runner-job.js';
import type { RunnerProcess } from './runner-handle.js';

// dist/supervisor/ (or src/supervisor/ under a TypeScript loader) → the package root → runners/.
const RUNNER_ENTRY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'runners',
  'sync-runner.js',
);

/** Forks the runner of one job; its settings travel in the environment, its messages over IPC. */
export function forkSyncRunner(job: RunnerJob, entry = RUNNER_ENTRY): RunnerProcess {
  return fork(entry, [], {
    env: { ...process.env, [RUNNER_JOB_ENV]: JSON.stringify(job) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }) as unknown as RunnerProcess;
}
