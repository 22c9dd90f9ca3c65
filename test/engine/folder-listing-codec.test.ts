import { expect } from 'chai';
import { ListingBatch, unpackListings } from '../../src/engine/folder-listing-codec.js';
import type { FolderListing } from '../../src/engine/read-folder.js';

// Listings cross from a listing thread to the walk through the codec; structuredClone is what postMessage does.
function roundTrip(
  listings: { path: string; listing: FolderListing }[],
): { path: string; listing: FolderListing }[] {
  const batch = new ListingBatch();
  for (const { path, listing } of listings) batch.add(path, listing);
  const { message, transfer } = batch.take();
  return unpackListings(structuredClone(message, { transfer })).map((arrived) => ({
    path: arrived.path,
    listing: arrived.decode(),
  }));
}

const meta = { size: 0, mtimeMs: 1_700_000_000_123.5, ctimeMs: 1_700_000_001_000, mode: 0o755, ino: 2 ** 40 };

describe('the folder listing codec', () => {
  it('carries every name and field of every entry, in order', () => {
    const listing: FolderListing = {
      status: 'ok',
      entries: [
        { name: ' leading space', meta: { ...meta, kind: 'file', size: 12 } },
        { name: '-dash\ttab "quote"', meta: { ...meta, kind: 'dir' } },
        { name: 'é\u{1F600}\uFFFD', meta: { ...meta, kind: 'symlink' } },
        { name: 'fifo', meta: { ...meta, kind: 'special', mode: 0o644 } },
      ],
    };

    expect(roundTrip([{ path: 'a/b', listing }])).to.deep.equal([{ path: 'a/b', listing }]);
  });

  it('carries several folders in one batch, empty, missing and failed ones among them, each with its path', () => {
    const one = (name: string): FolderListing => ({
      status: 'ok',
      entries: [{ name, meta: { kind: 'file', size: 1, mtimeMs: 1, ctimeMs: 1, mode: 0o600, ino: 1 } }],
    });
    const listings: { path: string; listing: FolderListing }[] = [
      { path: '', listing: one('a') },
      { path: 'empty', listing: { status: 'ok', entries: [] } },
      { path: 'gone', listing: { status: 'missing' } },
      { path: 'locked', listing: { status: 'error', code: 'EACCES', message: 'permission denied' } },
      { path: 'x', listing: one('b') },
    ];

    expect(roundTrip(listings)).to.deep.equal(listings);
  });

  it('carries a batch of empty folders only', () => {
    const listings: { path: string; listing: FolderListing }[] = [
      { path: '', listing: { status: 'ok', entries: [] } },
    ];
    expect(roundTrip(listings)).to.deep.equal(listings);
  });

  it('starts each batch afresh once taken', () => {
    const batch = new ListingBatch();
    batch.add('', { status: 'ok', entries: [] });
    batch.take();
    expect(batch.size).to.deep.equal({ folders: 0, entries: 0 });
  });
});
