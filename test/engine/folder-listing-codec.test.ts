import { expect } from 'chai';
import { decodeListing, encodeListing } from '../../src/engine/folder-listing-codec.js';
import type { FolderListing } from '../../src/engine/read-folder.js';

// A listing crosses from a listing thread to the walk through the codec; structuredClone is what postMessage does.
function roundTrip(listing: FolderListing): FolderListing {
  const { message, transfer } = encodeListing(7, listing);
  const received = structuredClone(message, { transfer });
  expect(received.id).to.equal(7);
  return decodeListing(received);
}

describe('the folder listing codec', () => {
  it('carries every name and field of every entry, in order', () => {
    const meta = {
      size: 0,
      mtimeMs: 1_700_000_000_123.5,
      ctimeMs: 1_700_000_001_000,
      mode: 0o755,
      ino: 2 ** 40,
    };
    const listing: FolderListing = {
      status: 'ok',
      entries: [
        { name: ' leading space', meta: { ...meta, kind: 'file', size: 12 } },
        { name: '-dash\ttab "quote"', meta: { ...meta, kind: 'dir' } },
        { name: 'é\u{1F600}\uFFFD', meta: { ...meta, kind: 'symlink' } },
        { name: 'fifo', meta: { ...meta, kind: 'special', mode: 0o644 } },
      ],
    };

    expect(roundTrip(listing)).to.deep.equal(listing);
  });

  it('carries an empty folder as no entries, a missing one and an error', () => {
    expect(roundTrip({ status: 'ok', entries: [] })).to.deep.equal({ status: 'ok', entries: [] });
    expect(roundTrip({ status: 'missing' })).to.deep.equal({ status: 'missing' });
    const error: FolderListing = { status: 'error', code: 'EACCES', message: 'permission denied' };
    expect(roundTrip(error)).to.deep.equal(error);
  });

  it('carries a folder of one entry apart from an empty folder', () => {
    const one: FolderListing = {
      status: 'ok',
      entries: [{ name: 'a', meta: { kind: 'file', size: 1, mtimeMs: 1, ctimeMs: 1, mode: 0o600, ino: 1 } }],
    };
    expect(roundTrip(one)).to.deep.equal(one);
  });
});
