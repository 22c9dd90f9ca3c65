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

/**
 * V8 flags of every runner. A young generation of 4 MB semi-spaces (V8's default grows to 16 MB) keeps a
 * runner's peak near its live data: on the 20,000-file no-op, peak RSS fell from 127 to 116 MB with no
 * measurable loss of speed (a no-op allocates much, but keeps little). The bench's warm engine uses them too.
 */
export const RUNNER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=4'];

/**
 * Forks the runner of one job; its settings travel in the environment, its messages over IPC. Its stdout and
 * stderr are pipes the supervisor reads line by line into records (a crash's stack trace included).
 */
export function forkSyncRunner(job: RunnerJob, entry = RUNNER_ENTRY): RunnerProcess {
  return fork(entry, [], {
    execArgv: [...process.execArgv, ...RUNNER_EXEC_ARGV],
    env: { ...process.env, [RUNNER_JOB_ENV]: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  }) as unknown as RunnerProcess;
}
