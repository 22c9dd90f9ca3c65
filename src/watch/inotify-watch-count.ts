import fs from 'node:fs/promises';

/**
 * How many inotify watches a process holds (this one unless told) (Linux: the `inotify wd:` lines of each inotify descriptor's
 * fdinfo); undefined elsewhere or when /proc cannot be read. The one number that says what a watch costs.
 */
export async function countInotifyWatches(pid: number | 'self' = 'self'): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    let count = 0;
    for (const fd of await fs.readdir(`/proc/${pid}/fd`)) {
      const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (target !== 'anon_inode:inotify') continue;
      const info = await fs.readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
      for (const line of info.split('\n')) if (line.startsWith('inotify wd:')) count++;
    }
    return count;
  } catch {
    return undefined;
  }
}
