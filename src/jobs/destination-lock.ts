import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getDefaultPaths } from '../config/default-paths.js';
import {
  currentProcessIdentity,
  isAlive,
  isProcessIdentity,
  isSameProcessAlive,
  type ProcessIdentity,
} from '../util/process-identity.js';

/** Another run (a daemon's runner or another one-shot `sync`) is writing this destination. */
export class DestinationLockedError extends Error {
  override readonly name = 'DestinationLockedError';
  readonly code = 'DESTINATION_LOCKED';
}

/** What a lock says of its holder: who it is (pid, start time, boot, host) and since when. */
interface HolderRecord extends ProcessIdentity {
  created: string;
}

const HOLDER_PREFIX = 'holder-';
/** Rounds of "take it, or find its holder dead and remove it" before giving up on a lock that keeps changing. */
const MAX_ATTEMPTS = 20;

/**
 * One destination is never written by two runs (DESIGN.md, "Triggers"): each run holds a lock named after its
 * destination in `lockDir` (see defaultLockDir).
 *
 * The lock is a folder `<hash>.lock` holding one file, `holder-<pid>-<random>`, with the holder's record (pid,
 * process start time and boot id on Linux, host name, time). It appears whole: the record is written in a
 * private folder first, which is then renamed to the lock's name, and that rename fails while a holder's folder
 * is there. Nothing refreshes it, so a holder keeps it however long its thread blocks. A holder that is gone
 * (no such pid, or the pid now belongs to a process started at another time, or another boot) is dead: its
 * record, and only that one (a new holder's file has another name), is removed, then the empty folder, and the
 * lock taken; when two processes do that at once, one rename wins and the other sees a live holder.
 * Off Linux, liveness is the pid alone (a reused pid keeps a dead holder's lock); a record written on another
 * host is never taken (its processes cannot be seen from here).
 */
export async function lockDestination(destination: string, lockDir: string): Promise<() => Promise<void>> {
  fs.mkdirSync(lockDir, { recursive: true, mode: 0o700 });
  const resolved = path.resolve(destination);
  const lockPath = lockPathOf(resolved, lockDir);
  const identity = currentProcessIdentity();
  const unique = `${identity.pid}-${randomBytes(6).toString('hex')}`;
  const holderFile = `${HOLDER_PREFIX}${unique}`;
  const staging = `${lockPath}.${unique}.tmp`;
  removeAbandonedStaging(lockPath);
  fs.mkdirSync(staging, { mode: 0o700 });
  try {
    const record: HolderRecord = { ...identity, created: new Date().toISOString() };
    fs.writeFileSync(path.join(staging, holderFile), `${JSON.stringify(record)}\n`, { mode: 0o600 });
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (tryRename(staging, lockPath)) return releaseOf(lockPath, holderFile);
      const holders = readHolders(lockPath);
      const live = holders.find((holder) => !holder.record || isSameProcessAlive(holder.record));
      if (live) throw lockedError(resolved, live);
      // Every holder is dead: remove exactly their records (gone already: another process broke them first).
      for (const holder of holders) fs.rmSync(holder.file, { force: true });
      removeIfEmpty(lockPath);
    }
    throw new DestinationLockedError(
      `${resolved} is being written by another run: its lock (${lockPath}) changed hands ${MAX_ATTEMPTS} times while this run tried to take it; try again`,
    );
  } finally {
    // Still here when the lock was not taken.
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Removes staging folders of this lock left by processes that died before their rename (a few bytes each). */
function removeAbandonedStaging(lockPath: string): void {
  const prefix = `${path.basename(lockPath)}.`;
  for (const name of fs.readdirSync(path.dirname(lockPath))) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    // A live process's folder is never touched: its rename may be under way.
    if (Number.isSafeInteger(pid) && pid > 0 && !isAlive(pid))
      fs.rmSync(path.join(path.dirname(lockPath), name), { recursive: true, force: true });
  }
}

/** Renames our staging folder to the lock's name; false when a holder's folder is there. */
function tryRename(staging: string, lockPath: string): boolean {
  try {
    fs.renameSync(staging, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Linux says ENOTEMPTY (or EEXIST) for a folder with content; Windows EPERM for any existing folder.
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || (code === 'EPERM' && process.platform === 'win32'))
      return false;
    throw error;
  }
}

interface Holder {
  file: string;
  /** undefined: a file that is no holder record (damaged, or put there by hand): never removed by us. */
  record: HolderRecord | undefined;
}

function readHolders(lockPath: string): Holder[] {
  let names: string[];
  try {
    names = fs.readdirSync(lockPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const holders: Holder[] = [];
  for (const name of names) {
    const file = path.join(lockPath, name);
    if (!name.startsWith(HOLDER_PREFIX)) {
      holders.push({ file, record: undefined });
      continue;
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      // Released or broken since the listing.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    holders.push({ file, record: parseHolderRecord(text) });
  }
  return holders;
}

// The file is ours, but another process (another version, a person) may have written it: checked, not trusted.
function parseHolderRecord(text: string): HolderRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isProcessIdentity(value) && typeof (value as Partial<HolderRecord>).created === 'string'
      ? (value as HolderRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

function lockedError(resolved: string, holder: Holder): DestinationLockedError {
  const record = holder.record;
  const who = record
    ? `pid ${record.pid} on ${record.hostname}, since ${record.created}`
    : `${holder.file} is not a lock record: remove it if no run is writing there`;
  return new DestinationLockedError(
    `${resolved} is being written by another run (${who}); try again when it ends`,
  );
}

/** Removes the lock folder once empty; a folder that a new holder has renamed over it meanwhile stays. */
function removeIfEmpty(lockPath: string): void {
  try {
    fs.rmdirSync(lockPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
}

function releaseOf(lockPath: string, holderFile: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    // Our record only: if it was (wrongly) taken from us, the new holder's stays.
    fs.rmSync(path.join(lockPath, holderFile), { force: true });
    removeIfEmpty(lockPath);
  };
}

function lockPathOf(resolved: string, lockDir: string): string {
  const name = createHash('sha256').update(resolved).digest('hex').slice(0, 32);
  return path.join(lockDir, `${name}.lock`);
}

/**
 * Where every run of this user keeps its destination locks: the state folder, whatever the config or socket,
 * so a daemon on one socket and a one-shot sync (or a daemon of another config) still see each other's locks.
 */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.()): string {
  return path.join(getDefaultPaths(env, uid).stateDir, 'locks');
}
