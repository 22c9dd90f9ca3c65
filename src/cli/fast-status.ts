import { asDaemonStatus } from '../control/check-replies.js';
import { callDaemon } from '../control/control-client.js';
import { parseFastFlags } from './fast-flags.js';
import { findSocket } from './find-socket.js';
import { formatStatus } from './format-status.js';

/**
 * `status` answered without loading oclif, which costs ~200 ms of start-up on every call: monitors and scripts
 * poll it. Only the plain case is handled here (the flags below, a daemon that answers); anything else, help and
 * every error included, returns false so the full command answers in its own words.
 */
export async function fastStatus(argv: readonly string[]): Promise<boolean> {
  const flags = parseStatusFlags(argv);
  if (!flags) return false;
  try {
    const socketPath = await findSocket(flags);
    const status = asDaemonStatus(await callDaemon(socketPath, 'status'));
    process.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    return true;
  } catch {
    return false;
  }
}

export function parseStatusFlags(
  argv: readonly string[],
): { json: boolean; socket?: string; config?: string } | undefined {
  const parsed = parseFastFlags(argv, {
    booleans: { '--json': 'json' },
    values: { '--socket': 'socket', '--config': 'config', '-c': 'config' },
    positionals: 0,
  });
  if (!parsed) return undefined;
  const { json, socket, config } = parsed.flags;
  return {
    json: json === true,
    ...(typeof socket === 'string' ? { socket } : {}),
    ...(typeof config === 'string' ? { config } : {}),
  };
}
