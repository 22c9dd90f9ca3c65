import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { getDefaultPaths } from '../config/default-paths.js';

/** Another run (a daemon's runner or another one-shot `sync`) is writing this destination. */
export class DestinationLockedError extends Error {
  override readonly name = 'DestinationLockedError';
  readonly code = 'DESTINATION_LOCKED';
}

/**
 * One destination is never written by two runs (DESIGN.md, "Triggers"): each run holds a lock named after its
 * destination in `lockDir` (see defaultLockDir). The lock is a folder refreshed while held, so a lock
 * left by a killed process goes stale and is taken over (proper-lockfile).
 */
export async function lockDestination(destination: string, lockDir: string): Promise<() => Promise<void>> {
  fs.mkdirSync(lockDir, { recursive: true, mode: 0o700 });
  const resolved = path.resolve(destination);
  const { name, lockPath } = lockPathOf(resolved, lockDir);
  try {
    // proper-lockfile keys its locks by this path (it need not exist with realpath: false).
    return await lockfile.lock(path.join(lockDir, name), {
      lockfilePath: lockPath,
      realpath: false,
      stale: 10_000,
      retries: 0,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new DestinationLockedError(
        `${resolved} is being written by another run (a running daemon or another sync); try again when it ends`,
      );
    }
    throw error;
  }
}

/**
 * Removes the lock of a run whose process is known to be dead (a runner killed mid-sync), so the run after it
 * need not wait for the lock to go stale. Only its supervisor may call this: it alone knows the holder is gone.
 */
export function breakDestinationLock(destination: string, lockDir: string): void {
  fs.rmSync(lockPathOf(path.resolve(destination), lockDir).lockPath, { recursive: true, force: true });
}

function lockPathOf(resolved: string, lockDir: string): { name: string; lockPath: string } {
  const name = createHash('sha256').update(resolved).digest('hex').slice(0, 32);
  return { name, lockPath: path.join(lockDir, `${name}.lock`) };
}

/**
 * Where every run of this user keeps its destination locks: the state folder, whatever the config or socket,
 * so a daemon on one socket and a one-shot sync (or a daemon of another config) still see each other's locks.
 */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.()): string {
  return path.join(getDefaultPaths(env, uid).stateDir, 'locks');
}
