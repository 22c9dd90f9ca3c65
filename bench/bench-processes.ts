import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SyncRequest, SyncResult } from '../src/engine/types.js';
import { RUNNER_EXEC_ARGV } from '../src/supervisor/fork-sync-runner.js';

// The processes the bench times: commands to their end, and the engine in a warm child of its own.

/** Wall time of a command run to its end; rejects on a non-zero exit. */
export function timeCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}`));
    });
  });
}

/** The engine in a warm child process of its own, as a runner runs it. */
export class EngineProcess {
  maxRssBytes = 0;
  private nextId = 0;
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<EngineProcess> {
    const child = fork(fileURLToPath(new URL('./engine-child.mjs', import.meta.url)), {
      stdio: 'inherit',
      // A runner's V8 flags, so the warm engine is measured as the daemon runs it.
      execArgv: [...RUNNER_EXEC_ARGV],
    });
    await new Promise((resolve) => child.once('spawn', resolve));
    return new EngineProcess(child);
  }

  sync(syncRequest: SyncRequest): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (message: {
        id: number;
        milliseconds: number;
        result: SyncResult;
        maxRssBytes: number;
      }) => {
        if (message.id !== id) return;
        this.child.off('message', onMessage);
        this.maxRssBytes = Math.max(this.maxRssBytes, message.maxRssBytes);
        if (message.result.outcome !== 'ok')
          reject(
            new Error(
              `engine run ${message.result.outcome}: ${JSON.stringify(message.result.errors.slice(0, 3))}`,
            ),
          );
        else resolve(message.milliseconds);
      };
      this.child.on('message', onMessage);
      this.child.send({ id, request: syncRequest });
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

/** rsync is the competitor: installed from Debian's packages where it is missing. */
export function ensureRsync(): void {
  try {
    execFileSync('rsync', ['--version'], { stdio: 'ignore' });
  } catch {
    process.stderr.write('rsync is missing; installing it with apt-get…\n');
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq rsync'], { stdio: 'inherit' });
  }
}
