import { describeEntryError } from './sync-entry-error.js';
import { RunTrash } from './trash.js';
import type { FileMeta } from './types.js';
import { installEntry, type WriteContext } from './write-entry.js';

export interface InstallItem {
  path: string;
  source: FileMeta;
  destination: FileMeta | undefined;
}

export type InstallOutcome = { ok: true } | { ok: false; code: string; message: string };

/** A WriteContext that can cross a thread boundary: the trash travels as its folder path. */
export interface PortableWriteContext extends Omit<WriteContext, 'trash'> {
  trashFolder: string | undefined;
}

/** Only the fields installs need: a run's context also holds callbacks and a signal, which cannot be cloned. */
export function toPortableContext(context: WriteContext): PortableWriteContext {
  return {
    source: context.source,
    destination: context.destination,
    preservePermissions: context.preservePermissions,
    preserveTimestamps: context.preserveTimestamps,
    fsync: context.fsync,
    trashFolder: context.trash?.folder,
  };
}

export function fromPortableContext(context: PortableWriteContext): WriteContext {
  const { trashFolder, ...rest } = context;
  return { ...rest, trash: trashFolder ? RunTrash.at(trashFolder) : undefined };
}

/** Installs small files one after the other; a failure is an outcome, never an exception. */
export async function installBatch(
  items: readonly InstallItem[],
  context: WriteContext,
): Promise<InstallOutcome[]> {
  const outcomes: InstallOutcome[] = [];
  for (const item of items) {
    try {
      await installEntry(item.path, item.source, item.destination, context);
      outcomes.push({ ok: true });
    } catch (error) {
      outcomes.push({ ok: false, ...describeEntryError(error) });
    }
  }
  return outcomes;
}
