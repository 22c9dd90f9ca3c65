import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliRootForOtherUsers } from './cli-for-other-users.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(PROJECT_ROOT, 'bin', 'run.js');
/** The same CLI with every command answered by oclif, none by a fast path (src/cli/fast-cli.ts). */
export const FULL_CLI = path.join(PROJECT_ROOT, 'test', 'fixtures', 'run-full-cli.mjs');

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Prefix such as ['setpriv', '--reuid=65534', ...] to run the CLI as another user, who then runs a copy of
   * the CLI that every user can reach (the checkout may lie in a folder only its owner can enter).
   */
  asUser?: string[];
  /** Prefix that runs before the user switch, such as coreutils `timeout`. */
  wrapper?: string[];
  /** The script to run instead of bin/run.js (FULL_CLI). */
  cli?: string;
}

/** Runs the built CLI (`bin/run.js`, as a user would) and collects its output; never rejects on a non-zero exit. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const asUser = options.asUser ?? [];
  const root = asUser.length > 0 ? cliRootForOtherUsers(PROJECT_ROOT) : PROJECT_ROOT;
  const cli = options.cli ?? path.join(root, 'bin', 'run.js');
  const command = [...(options.wrapper ?? []), ...asUser, process.execPath, cli, ...args];
  const [file, ...rest] = command as [string, ...string[]];
  // A clean environment: no config or password inherited from the machine running the tests.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(file, rest, {
      cwd: options.cwd ?? root,
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
