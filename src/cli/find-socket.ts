import path from 'node:path';
import { resolveConfigFile } from '../config/config-file-path.js';
import { readSocketPath } from '../config/read-socket-path.js';

/** Names the daemon's socket for every command (after --socket, before the config's daemon.socket_path). */
export const SOCKET_ENV = 'SYNC_DAEMON_SOCKET';

/** A socket named by --socket or the environment, which wins over the config's (DESIGN.md, "Finding the daemon"). */
export function namedSocket(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const named = flag ?? (env[SOCKET_ENV] || undefined);
  return named === undefined ? undefined : path.resolve(named);
}

/** Where the daemon answers: --socket, $SYNC_DAEMON_SOCKET, daemon.socket_path of the config, the default. */
export async function findSocket(
  flags: { socket?: string | undefined; config?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return namedSocket(flags.socket, env) ?? (await readSocketPath(resolveConfigFile(flags.config, env), env));
}
