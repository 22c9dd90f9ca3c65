import fs from 'node:fs/promises';
import type { RawWatchEvent } from './watch-backend.js';

export type WatchEventKind = 'create' | 'write' | 'remove' | 'rename' | 'chmod';

/** What one debounce window saw of each path (absolute): the backend's event types. */
export type ChangeWindow = Map<string, Set<RawWatchEvent['type']>>;

// A coarse file-system clock may stamp a write a few milliseconds before the moment the window opened.
const CLOCK_SLACK_MS = 10;

/**
 * The `watch_events` kinds a window's changes count as. No platform reports a rename or a chmod as such:
 * - a rename arrives as a remove and a create, so a window holding both counts each of them as a rename too;
 * - an update is a write when the file's content time moved since the previous window (`sinceMs`), else a
 *   chmod (mode, owner or times changed without new content). Asked of the disk only when the answer matters:
 *   when exactly one of write and chmod is wanted.
 */
export async function kindsOfWindow(
  window: ChangeWindow,
  wanted: ReadonlySet<WatchEventKind>,
  sinceMs: number,
): Promise<Set<WatchEventKind>> {
  const kinds = new Set<WatchEventKind>();
  let creates = false;
  let removes = false;
  const updates: string[] = [];
  for (const [changed, types] of window) {
    if (types.has('create')) creates = true;
    if (types.has('delete')) removes = true;
    if (types.has('update') && !types.has('create') && !types.has('delete')) updates.push(changed);
  }
  if (creates) kinds.add('create');
  if (removes) kinds.add('remove');
  if (creates && removes) kinds.add('rename');
  if (updates.length === 0) return kinds;
  if (wanted.has('write') === wanted.has('chmod')) {
    kinds.add('write');
    return kinds;
  }
  for (const changed of updates) {
    kinds.add(await updateKind(changed, sinceMs));
    if (kinds.has('write') && kinds.has('chmod')) break;
  }
  return kinds;
}

async function updateKind(file: string, sinceMs: number): Promise<'write' | 'chmod'> {
  try {
    const stats = await fs.lstat(file);
    if (stats.isDirectory()) return 'chmod';
    return stats.mtimeMs >= sinceMs - CLOCK_SLACK_MS ? 'write' : 'chmod';
  } catch {
    // Gone since: something happened to it, and a sync is the safe answer.
    return 'write';
  }
}
