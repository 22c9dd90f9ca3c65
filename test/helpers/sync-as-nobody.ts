import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SyncRequest, SyncResult } from '../../src/engine/types.js';
import { cliRootForOtherUsers } from './cli-for-other-users.js';
import { AS_NOBODY, PROJECT_ROOT } from './run-cli.js';

// The user AS_NOBODY switches to: as root, permission bits never stop a write, so these tests run as nobody.
const NOBODY_ID = 65534;
// Runs one sync of the built engine and prints its result: what the unprivileged user runs.
const RUN_ENGINE = `const { runSync } = await import(process.argv[1]);
process.stdout.write(JSON.stringify(await runSync(JSON.parse(process.argv[2]))));`;

/**
 * Runs one sync in a process of the unprivileged user, with the built engine (`npm run build` first) from the
 * copy of the package that every user can reach, wherever the checkout lies.
 */
export async function syncAsNobody(request: SyncRequest): Promise<SyncResult> {
  const engine = path.join(cliRootForOtherUsers(PROJECT_ROOT), 'dist', 'engine', 'run-sync.js');
  const command = [...AS_NOBODY, process.execPath, '--input-type=module', '-e', RUN_ENGINE];
  const [file, ...args] = command as [string, ...string[]];
  const { stdout } = await promisify(execFile)(file, [...args, engine, JSON.stringify(request)], {
    cwd: '/',
    timeout: 15_000,
  });
  return JSON.parse(stdout) as SyncResult;
}

/** Gives a tree to the unprivileged user, so that its own permission bits are what a run meets. */
export function chownTree(root: string): void {
  if (process.getuid?.() !== 0) return;
  fs.chownSync(root, NOBODY_ID, NOBODY_ID);
  for (const name of fs.readdirSync(root, { recursive: true }) as string[]) {
    fs.lchownSync(path.join(root, name), NOBODY_ID, NOBODY_ID);
  }
}
