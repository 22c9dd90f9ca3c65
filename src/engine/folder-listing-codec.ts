import type { FolderListing } from './read-folder.js';

/** What crosses the thread boundary: names, and six numbers per entry in one transferable array. */
export interface EncodedListing {
  id: number;
  status: FolderListing['status'];
  code?: string;
  message?: string;
  names?: string[];
  numbers?: Float64Array;
}

const KIND_CODES = ['file', 'dir', 'symlink', 'special'] as const;

export function encodeListing(
  id: number,
  listing: FolderListing,
): { message: EncodedListing; transfer: ArrayBuffer[] } {
  if (listing.status === 'missing') return { message: { id, status: 'missing' }, transfer: [] };
  if (listing.status === 'error') {
    return { message: { id, status: 'error', code: listing.code, message: listing.message }, transfer: [] };
  }
  const numbers = new Float64Array(listing.entries.length * 6);
  listing.entries.forEach(({ meta }, index) => {
    numbers.set(
      [KIND_CODES.indexOf(meta.kind), meta.size, meta.mtimeMs, meta.ctimeMs, meta.mode, meta.ino],
      index * 6,
    );
  });
  const names = listing.entries.map((entry) => entry.name);
  return { message: { id, status: 'ok', names, numbers }, transfer: [numbers.buffer as ArrayBuffer] };
}

export function decodeListing(message: EncodedListing): FolderListing {
  if (message.status === 'missing') return { status: 'missing' };
  if (message.status === 'error')
    return { status: 'error', code: message.code ?? 'EIO', message: message.message ?? '' };
  const names = message.names ?? [];
  const numbers = message.numbers ?? new Float64Array();
  return {
    status: 'ok',
    entries: names.map((name, index) => {
      const at = index * 6;
      return {
        name,
        meta: {
          kind: KIND_CODES[numbers[at] ?? 0] ?? 'special',
          size: numbers[at + 1] ?? 0,
          mtimeMs: numbers[at + 2] ?? 0,
          ctimeMs: numbers[at + 3] ?? 0,
          mode: numbers[at + 4] ?? 0,
          ino: numbers[at + 5] ?? 0,
        },
      };
    }),
  };
}
