import fs from 'node:fs/promises';
import type { RawWatchEvent } from './watch-backend.js';

export type WatchEventKind = 'create' | 'write' | 'remove' | 'rename' | 'chmod';

/** What one debounce window saw of a path: the backend's event types, and when the last one arrived. */
export interface WindowEntry {
  types: Set<RawWatchEvent['type']>;
  seenAtMs: number;
}

/** A debounce window's changes, by absolute path. */
export type ChangeWindow = Map<string, WindowEntry>;

/**
 * How long after a write its event may arrive: the native backend holds events up to 500 ms, and a busy event
 * loop longer. A write is told by a content time this close to its event; a chmod this soon after a write
 * counts as a write too (one sync more, never one less).
 */
const DELIVERY_SLACK_MS = 5000;

/**
 * The `watch_events` kinds a window's changes count as. No platform reports a rename or a chmod as such:
 * - a rename arrives as a remove and a create, so a window holding both counts each of them as a rename too;
 * - an update is a write when the file's content time is about the time its event arrived, or when its mirror
 *   (`mirrorOf`) differs in size or time; else a chmod (mode, owner or times changed without new content).
 *   Asked of the disk only when the answer matters: when exactly one of write and chmod is wanted.
 */
export async function kindsOfWindow(
  window: ChangeWindow,
  wanted: ReadonlySet<WatchEventKind>,
  mirrorOf: (changed: string) => string | undefined = () => undefined,
): Promise<Set<WatchEventKind>> {
  const kinds = new Set<WatchEventKind>();
  let creates = false;
  let removes = false;
  const updates: [string, WindowEntry][] = [];
  for (const [changed, entry] of window) {
    const { types } = entry;
    if (types.has('create')) creates = true;
    if (types.has('delete')) removes = true;
    if (types.has('update') && !types.has('create') && !types.has('delete')) updates.push([changed, entry]);
  }
  if (creates) kinds.add('create');
  if (removes) kinds.add('remove');
  if (creates && removes) kinds.add('rename');
  if (updates.length === 0) return kinds;
  if (wanted.has('write') === wanted.has('chmod')) {
    kinds.add('write');
    return kinds;
  }
  for (const [changed, { seenAtMs }] of updates) {
    kinds.add(await updateKind(changed, seenAtMs, mirrorOf(changed)));
    if (kinds.has('write') && kinds.has('chmod')) break;
  }
  return kinds;
}

async function updateKind(
  file: string,
  seenAtMs: number,
  mirror: string | undefined,
): Promise<'write' | 'chmod'> {
  try {
    const stats = await fs.lstat(file);
    if (stats.isDirectory()) return 'chmod';
    if (stats.mtimeMs >= seenAtMs - DELIVERY_SLACK_MS) return 'write';
    // An old content time may still be new content (`cp -p`, `unzip -o`): unless the mirror's copy has the same
    // size and time, it is a write.
    const copy = mirror === undefined ? undefined : await fs.lstat(mirror).catch(() => undefined);
    return copy && copy.size === stats.size && Math.abs(copy.mtimeMs - stats.mtimeMs) < 1 ? 'chmod' : 'write';
  } catch {
    // Gone since: something happened to it, and a sync is the safe answer.
    return 'write';
  }
}

/** What `watcher_events_total` counts: the kinds above, and `overflow` for changes too many or a watch lost. */
export type CountedWatchEvent = WatchEventKind | 'overflow';

/**
 * Adds a window's changes to `counts`, one per path: a create, a remove, or an update counted as the window's
 * kind of update (write, else chmod); a window holding creates and removes also counts the pairs as renames.
 */
export function countWindowEvents(
  counts: Partial<Record<CountedWatchEvent, number>>,
  window: ChangeWindow,
  kinds: ReadonlySet<WatchEventKind>,
): void {
  const add = (kind: CountedWatchEvent, count = 1) => {
    counts[kind] = (counts[kind] ?? 0) + count;
  };
  let creates = 0;
  let removes = 0;
  for (const { types } of window.values()) {
    if (types.has('create')) creates++;
    if (types.has('delete')) removes++;
    if (types.has('update') && !types.has('create') && !types.has('delete'))
      add(kinds.has('write') || !kinds.has('chmod') ? 'write' : 'chmod');
  }
  if (creates) add('create', creates);
  if (removes) add('remove', removes);
  if (creates && removes) add('rename', Math.min(creates, removes));
}
