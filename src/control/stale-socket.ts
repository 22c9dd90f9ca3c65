import fs from 'node:fs';
import net from 'node:net';
import lockfile from 'proper-lockfile';

/**
 * Runs `action` under the lock of a socket path: probing, unlinking and binding a socket all happen under it, so
 * that two daemons starting at once on a stale socket do not both take it, and a stale socket being removed is
 * never a new daemon's.
 */
export async function withSocketLock<T>(socketPath: string, action: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(socketPath, {
    realpath: false,
    lockfilePath: `${socketPath}.lock`,
    stale: 10_000,
    retries: { retries: 100, minTimeout: 20, maxTimeout: 100 },
  });
  try {
    return await action();
  } finally {
    await release();
  }
}

/** Removes a socket file nobody listens on (a daemon that was killed), as a starting daemon would; true if it did. */
export function removeStaleSocket(socketPath: string): Promise<boolean> {
  // A named pipe has no file, so nothing stale.
  if (isNamedPipe(socketPath) || !fs.existsSync(socketPath)) return Promise.resolve(false);
  return withSocketLock(socketPath, async () => (await clearStaleSocketFile(socketPath)) === 'removed');
}

/** To be called under the socket's lock: removes the socket file if nobody listens on it. */
export async function clearStaleSocketFile(socketPath: string): Promise<'absent' | 'live' | 'removed'> {
  if (!fs.existsSync(socketPath)) return 'absent';
  if (await isAnswering(socketPath)) return 'live';
  fs.rmSync(socketPath, { force: true });
  return 'removed';
}

// Only a refused connection (or a file gone meanwhile) proves nobody listens. A full backlog (EAGAIN), a socket of
// another user (EACCES) or a slow accept is a live daemon: taking its socket would start a second one beside it.
const STALE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ENOENT']);

/** Whether something listens on the socket: it accepts a connection, whether or not it would answer. */
export function isAnswering(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    const done = (answering: boolean) => {
      probe.destroy();
      resolve(answering);
    };
    probe.once('connect', () => done(true));
    probe.once('error', (error: NodeJS.ErrnoException) => done(!STALE_SOCKET_CODES.has(error.code ?? '')));
    probe.setTimeout(1000, () => done(true));
  });
}

/** A Windows named pipe (`\\.\pipe\…`): no file to probe, lock or remove. */
export function isNamedPipe(socketPath: string): boolean {
  return socketPath.startsWith('\\\\.\\pipe\\') || socketPath.startsWith('\\\\?\\pipe\\');
}
