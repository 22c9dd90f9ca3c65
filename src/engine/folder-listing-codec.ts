import type { FolderListing } from './read-folder.js';
import type { EntryKind } from './types.js';

/**
 * What crosses the thread boundary: the names as one string, and six numbers per entry in one transferable
 * array, written without an array or object per entry.
 */
export interface EncodedListing {
  id: number;
  status: FolderListing['status'];
  code?: string;
  message?: string;
  /** The names joined by NUL, the one character no file name holds. */
  names?: string;
  numbers?: Float64Array;
}

const FIELDS = 6;
const NAME_SEPARATOR = '\0';
const KIND_CODES: readonly EntryKind[] = ['file', 'dir', 'symlink', 'special'];
const CODE_OF_KIND: Readonly<Record<EntryKind, number>> = { file: 0, dir: 1, symlink: 2, special: 3 };

export function encodeListing(
  id: number,
  listing: FolderListing,
): { message: EncodedListing; transfer: ArrayBuffer[] } {
  if (listing.status === 'missing') return { message: { id, status: 'missing' }, transfer: [] };
  if (listing.status === 'error') {
    return { message: { id, status: 'error', code: listing.code, message: listing.message }, transfer: [] };
  }
  const { entries } = listing;
  const numbers = new Float64Array(entries.length * FIELDS);
  const names: string[] = new Array(entries.length);
  for (let index = 0; index < entries.length; index++) {
    const { name, meta } = entries[index] as (typeof entries)[number];
    const at = index * FIELDS;
    names[index] = name;
    numbers[at] = CODE_OF_KIND[meta.kind];
    numbers[at + 1] = meta.size;
    numbers[at + 2] = meta.mtimeMs;
    numbers[at + 3] = meta.ctimeMs;
    numbers[at + 4] = meta.mode;
    numbers[at + 5] = meta.ino;
  }
  return {
    message: { id, status: 'ok', names: names.join(NAME_SEPARATOR), numbers },
    transfer: [numbers.buffer as ArrayBuffer],
  };
}

export function decodeListing(message: EncodedListing): FolderListing {
  if (message.status === 'missing') return { status: 'missing' };
  if (message.status === 'error')
    return { status: 'error', code: message.code ?? 'EIO', message: message.message ?? '' };
  const numbers = message.numbers ?? new Float64Array();
  const count = numbers.length / FIELDS;
  // An empty folder sends "", which split() would read as one empty name.
  const names = count === 0 ? [] : (message.names ?? '').split(NAME_SEPARATOR);
  const entries: Extract<FolderListing, { status: 'ok' }>['entries'] = new Array(count);
  for (let index = 0; index < count; index++) {
    const at = index * FIELDS;
    entries[index] = {
      name: names[index] ?? '',
      meta: {
        kind: KIND_CODES[numbers[at] ?? 3] ?? 'special',
        size: numbers[at + 1] ?? 0,
        mtimeMs: numbers[at + 2] ?? 0,
        ctimeMs: numbers[at + 3] ?? 0,
        mode: numbers[at + 4] ?? 0,
        ino: numbers[at + 5] ?? 0,
      },
    };
  }
  return { status: 'ok', entries };
}
