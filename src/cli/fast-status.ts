import { asDaemonStatus } from '../control/check-replies.js';
import { callDaemon } from '../control/control-client.js';
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
  const flags: { json: boolean; socket?: string; config?: string } = { json: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const [name, inline] =
      argument.startsWith('--') && argument.includes('=') ? argument.split(/=(.*)/s) : [argument];
    if (name === '--json' && inline === undefined) {
      flags.json = true;
      continue;
    }
    const key = name === '--socket' ? 'socket' : name === '--config' || name === '-c' ? 'config' : undefined;
    const value = inline ?? argv[++index];
    if (!key || value === undefined || value === '' || flags[key] !== undefined) return undefined;
    flags[key] = value;
  }
  return flags;
}
