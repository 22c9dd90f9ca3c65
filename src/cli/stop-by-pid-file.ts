import fs from 'node:fs';
import path from 'node:path';
import { ControlError } from '../control/control-client.js';
import { removeStaleSocket } from '../control/stale-socket.js';
import { isAlive, readDaemonRecord, readPid, removePidFile } from '../supervisor/pid-file.js';
import { isSameProcessAlive } from '../util/process-identity.js';
import { DaemonCommandError } from './daemon-command-error.js';
import { ExitCode } from './exit-codes.js';
import { awaitStopOrKill, stopWaitSecs } from './wait-for-exit.js';

/** What `stop --force` reads of the config when the daemon does not answer. */
export interface PidFileSettings {
  pidFile: string;
  stopTimeoutSecs: number;
}

export interface ForcedStop {
  pid: number;
  killed: boolean;
  forced: { pidFile: string; actions: string[] };
}

/**
 * `stop --force` on a daemon that does not answer on its socket (hung, or its socket file removed): the pid file
 * names its process. Signalled only once proven to be our daemon: alive, the process the record beside the pid
 * file describes (same start time: not a reused pid), serving this socket. Then SIGTERM, and past the time `stop`
 * gives a daemon to stop, SIGKILL to it and its runners; the socket and pid file it leaves are removed, as `start`
 * would. A pid file that is missing, stale or names another process: an error saying so, nothing killed.
 */
export async function stopByPidFile(
  socketPath: string,
  socketError: ControlError,
  { pidFile, stopTimeoutSecs }: PidFileSettings,
  onAction: (action: string) => void,
): Promise<ForcedStop> {
  const notRunning = socketError.code === 'NOT_RUNNING';
  let unanswered = `the daemon on ${socketPath} did not answer (${socketError.message})`;
  if (notRunning) unanswered = `no daemon answers on ${socketPath}`;
  // A timeout says it in those words already.
  else if (socketError.message.includes(socketPath)) unanswered = socketError.message;
  const pid = readPid(pidFile);
  if (pid === undefined) {
    if (notRunning)
      throw new ControlError(
        'NOT_RUNNING',
        `no daemon is running on ${socketPath}, and there is no pid file at ${pidFile}`,
      );
    throw new DaemonCommandError(
      'PID_FILE_MISSING',
      `${unanswered}, and there is no pid file at ${pidFile} to find its process by; nothing was killed`,
      { suggestions: ['find its process with "ps -ef | grep sync-daemon" and kill it'] },
    );
  }
  const record = readDaemonRecord(pidFile);
  const alive = isAlive(pid);
  if (!alive || (record?.pid === pid && !isSameProcessAlive(record))) {
    const cleaned = await removeStaleFiles(socketPath, pidFile, pid);
    const what = alive
      ? 'which is now another process (it started after the daemon that wrote the file: the pid was reused)'
      : 'which is not running';
    const listener = notRunning ? '' : `, yet something listens on ${socketPath} without answering`;
    const cleanup = cleaned.length > 0 ? `; ${cleaned.join('; ')}` : '';
    throw new DaemonCommandError(
      'PID_FILE_STALE',
      `${pidFile} names pid ${pid}, ${what}: the daemon is gone${listener}; nothing was killed${cleanup}`,
      {
        exitCode: notRunning ? ExitCode.notRunning : ExitCode.failure,
        suggestions: notRunning ? ['start it with: sync-daemon start'] : [],
      },
    );
  }
  if (record?.pid !== pid) {
    throw new DaemonCommandError(
      'PID_NOT_DAEMON',
      `${unanswered}; ${pidFile} names pid ${pid}, which cannot be told to be the daemon (no record of it in ${pidFile}.json, which a daemon writes when it starts); nothing was killed`,
      { suggestions: [`if "ps -o args= -p ${pid}" shows sync-daemon, end it with: kill ${pid}`] },
    );
  }
  if (path.resolve(record.socketPath) !== path.resolve(socketPath)) {
    throw new DaemonCommandError(
      'PID_NOT_DAEMON',
      `${unanswered}; ${pidFile} names pid ${pid}, the daemon of another socket (${record.socketPath}); nothing was killed`,
      { suggestions: [`stop that daemon with: sync-daemon stop --force --socket ${record.socketPath}`] },
    );
  }
  return killDaemon(pid, { socketPath, pidFile, stopTimeoutSecs }, unanswered, onAction);
}

async function killDaemon(
  pid: number,
  { socketPath, pidFile, stopTimeoutSecs }: PidFileSettings & { socketPath: string },
  unanswered: string,
  onAction: (action: string) => void,
): Promise<ForcedStop> {
  const actions: string[] = [];
  const act = (action: string) => {
    actions.push(action);
    onAction(action);
  };
  const waitSecs = stopWaitSecs(stopTimeoutSecs);
  act(`${unanswered}; pid ${pid} from ${pidFile} is that daemon: sent SIGTERM, waiting up to ${waitSecs}s`);
  signal(pid, 'SIGTERM');
  // The pid was checked above and a process that has not ended since is still the daemon: safe to kill.
  const killed = await awaitStopOrKill(pid, stopTimeoutSecs, (waitedSecs) =>
    act(`pid ${pid} still runs after ${waitedSecs}s: sent SIGKILL to it and its runners`),
  );
  if (!killed) act(`pid ${pid} stopped after SIGTERM`);
  for (const action of await removeStaleFiles(socketPath, pidFile, pid)) act(action);
  return { pid, killed, forced: { pidFile, actions } };
}

/** Removes the socket and pid file a daemon that did not stop by itself leaves; says what it did, for a user. */
async function removeStaleFiles(socketPath: string, pidFile: string, pid: number): Promise<string[]> {
  const actions: string[] = [];
  if (await removeStaleSocket(socketPath)) actions.push(`removed the stale socket ${socketPath}`);
  else if (fs.existsSync(socketPath))
    actions.push(`left the socket ${socketPath} in place: something accepts connections on it`);
  if (removePidFile(pidFile, pid)) actions.push(`removed the stale pid file ${pidFile}`);
  return actions;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // Gone meanwhile: the wait that follows sees it.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw new DaemonCommandError(
      'STOP_FAILED',
      `could not signal the daemon (pid ${pid}): ${(error as Error).message}; run this as its user or as root`,
    );
  }
}
