import { readRunnerJob } from '../ipc/runner-job.js';
import type { RunnerToSupervisor } from '../ipc/runner-protocol.js';
import { startSyncRunner } from './sync-runner.js';

/** Wires a forked process's IPC channel to a sync runner (the body of runners/sync-runner.js). */
export function startRunnerProcess(): void {
  if (!process.send) {
    process.stderr.write('sync-runner: no IPC channel; runners are started by the sync-daemon supervisor\n');
    process.exit(2);
  }
  const job = readRunnerJob(process.env);
  // Ctrl-C on a foreground daemon reaches its whole process group; the supervisor then stops each runner itself.
  process.on('SIGINT', () => undefined);
  // IPC sends are asynchronous: exiting waits until the last message (a run's result) has left.
  let sending = 0;
  let exitCode: number | undefined;
  const exitWhenSent = () => {
    if (exitCode !== undefined && (sending === 0 || !process.connected)) process.exit(exitCode);
  };
  startSyncRunner(job, {
    send: (message: RunnerToSupervisor) => {
      if (!process.connected) return;
      sending++;
      process.send?.(message, () => {
        sending--;
        exitWhenSent();
      });
    },
    onMessage: (listener) => {
      process.on('message', listener);
      // SIGTERM asks what the stop message asks: finish or abandon the current file cleanly, then exit.
      process.on('SIGTERM', () => listener({ type: 'stop' }));
    },
    onDisconnect: (listener) => process.on('disconnect', listener),
    exit: (code) => {
      exitCode = code;
      exitWhenSent();
    },
  });
}
