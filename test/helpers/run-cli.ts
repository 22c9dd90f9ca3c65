import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(PROJECT_ROOT, 'bin', 'run.js');

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Prefix such as ['setpriv', '--reuid=65534', ...] to run the CLI as another user. */
  asUser?: string[];
}

/** Runs the built CLI (`bin/run.js`, as a user would) and collects its output; never rejects on a non-zero exit. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const command = [...(options.asUser ?? []), process.execPath, CLI, ...args];
  const [file, ...rest] = command as [string, ...string[]];
  // A clean environment: no config or password inherited from the machine running the tests.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(file, rest, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/**
 * Runs a command as an unprivileged user: as root, permission bits never stop a read, so a permission test run
 * as root could not fail. A developer who is not root is unprivileged already.
 */
export const AS_NOBODY =
  process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
