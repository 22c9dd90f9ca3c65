import fs from 'node:fs';
import os from 'node:os';

/** Who a process is, beyond its pid (pids are reused): what a lock records of its holder. */
export interface ProcessIdentity {
  pid: number;
  /** Linux: field 22 of /proc/<pid>/stat (clock ticks after boot); absent elsewhere. */
  startTime?: string;
  /** Linux: this boot's id; a record from another boot names a process that is gone. */
  bootId?: string;
  hostname: string;
}

/**
 * Whether a value read from a file (which another program may have written) names a process: a positive pid,
 * a host, and a start time and boot id that are strings when present. Other fields are the caller's to check.
 */
export function isProcessIdentity(value: unknown): value is ProcessIdentity {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.pid === 'number' &&
    Number.isSafeInteger(record.pid) &&
    record.pid > 0 &&
    typeof record.hostname === 'string' &&
    (record.startTime === undefined || typeof record.startTime === 'string') &&
    (record.bootId === undefined || typeof record.bootId === 'string')
  );
}

/** Whether a process with this pid exists (EPERM: it does, another user's) and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited process whose parent never reaps it (a container's pid 1 may not) still answers kill(pid, 0).
  const fields = readStatFields(pid);
  if (fields?.[0] !== 'Z') return true;
  // A process being killed shows its main thread as a zombie while its other threads still exit, and its files
  // (a listening socket) close only with the last of them: gone once no other thread is left (num_threads,
  // field 20 of the stat line).
  return Number(fields[STAT_NUM_THREADS]) > 1;
}

// Indexes into readStatFields, which starts at field 3 (the state).
const STAT_NUM_THREADS = 17;

export function currentProcessIdentity(): ProcessIdentity {
  const startTime = readProcessStartTime(process.pid);
  const bootId = readBootId();
  return {
    pid: process.pid,
    ...(startTime !== undefined ? { startTime } : {}),
    ...(bootId !== undefined ? { bootId } : {}),
    hostname: os.hostname(),
  };
}

/**
 * Whether the process a record names still runs: the same pid, alive, started at the same time (Linux; elsewhere
 * the pid alone decides, so a reused pid keeps a record alive). A record of another host cannot be checked from
 * here and counts as alive.
 */
export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  if (identity.hostname !== os.hostname()) return true;
  const bootId = readBootId();
  if (identity.bootId !== undefined && bootId !== undefined && identity.bootId !== bootId) return false;
  if (!isAlive(identity.pid)) return false;
  const startTime = readProcessStartTime(identity.pid);
  if (identity.startTime === undefined || startTime === undefined) return true;
  return startTime === identity.startTime;
}

export function readProcessStartTime(pid: number): string | undefined {
  return readStatFields(pid)?.[19];
}

/** /proc/<pid>/stat from field 3 (state) on; the command name before it may hold spaces and parentheses. */
function readStatFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .trim()
      .split(' ');
  } catch {
    return undefined;
  }
}

let bootId: string | null | undefined;

function readBootId(): string | undefined {
  if (bootId === undefined) {
    try {
      bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId ?? undefined;
}
