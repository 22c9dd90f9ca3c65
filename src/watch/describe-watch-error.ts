import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * What a watch failure means and what to do about it, in one line for the log and `status`. The limits are the
 * kernel's (Linux): the message names the setting and the value that would let this folder be watched.
 */
export async function describeWatchError(error: Error, folder: string): Promise<string> {
  const text = error.message;
  if (/ENOSPC|No space left on device/i.test(text)) {
    const limit = await readNumber('/proc/sys/fs/inotify/max_user_watches');
    const folders = await countFolders(folder);
    const needed = limit === undefined ? undefined : limit + folders;
    return (
      `the system's limit on inotify watches is reached (fs.inotify.max_user_watches${limit === undefined ? '' : ` = ${limit}`}; ` +
      `this folder alone has ${folders} folder(s) to watch). Raise it, e.g. ` +
      `"sysctl fs.inotify.max_user_watches=${needed ?? 524288}" (and in /etc/sysctl.d/ to keep it)`
    );
  }
  if (/EMFILE|Too many open files/i.test(text)) {
    const limit = await readNumber('/proc/sys/fs/inotify/max_user_instances');
    return (
      `too many open files or inotify instances (fs.inotify.max_user_instances${limit === undefined ? '' : ` = ${limit}`}); ` +
      `raise it, e.g. "sysctl fs.inotify.max_user_instances=${limit === undefined ? 1024 : limit * 2}", or the open-file limit (ulimit -n)`
    );
  }
  return text;
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const value = Number((await fs.readFile(file, 'utf8')).trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Folders under `root`, itself included: one watch each for the native backend. */
async function countFolders(root: string): Promise<number> {
  let count = 0;
  const pending = [root];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    count++;
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) pending.push(path.join(folder, entry.name));
  }
  return count;
}
