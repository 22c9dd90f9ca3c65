import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MetadataCache } from '../../src/engine/metadata-cache.js';
import { toFileMeta } from '../../src/engine/read-folder.js';
import type { FileMeta, SyncRequest } from '../../src/engine/types.js';
import {
  makeSyncRequest,
  setMtime,
  syncAndCollect,
  waitFor,
  waitPastRacyWindow,
} from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

/** A file's hash by its whole path, as the walk asks for it: the folder, and the name in it. */
function hashAt(cache: MetadataCache, file: string, meta: FileMeta): string | Promise<string> {
  return cache.hash(path.dirname(file), '', path.basename(file), meta);
}

const T0 = 1_700_000_000_000;
// A hash no file has: a cache that returns it for a file did not read that file.
const FORGED = 'forged-hash-of-no-content';

function metaOf(file: string) {
  return toFileMeta(fs.lstatSync(file));
}

function sha256(content: string): string {
  return createHash('sha256').update(content).digest('base64url');
}

/** Flips one byte in the middle of a file, the way a bad sector or a torn write would. */
function flipAByte(file: string): void {
  const bytes = fs.readFileSync(file);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
  fs.writeFileSync(file, bytes);
}

/**
 * A source and a destination file of the same size and time but different content: only reading them tells them
 * apart. Made once for the whole file and left 2 s alone (the cache's racy window), so that hashes recorded
 * afterwards are ones the cache may trust. Each test takes its own pair by name.
 */
describe('MetadataCache', function () {
  this.slow(3000);
  let fixtures: string;
  const fixtureNames = [
    'trusted',
    'corrupt',
    'ttl',
    'changed',
    'unit-trust',
    'unit-ttl',
    'unit-changed',
    'unit-truncated',
    'copied',
    'unit-copy-changed',
  ];

  before(async function () {
    this.timeout(10_000);
    fixtures = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sync-daemon-cache-test-')));
    for (const name of fixtureNames) {
      for (const [side, content] of [
        ['source', 'source content'],
        ['destination', 'destin content'],
      ] as const) {
        fs.mkdirSync(path.join(fixtures, name, side), { recursive: true });
        fs.writeFileSync(path.join(fixtures, name, side, 'file.txt'), content);
        setMtime(path.join(fixtures, name, side, 'file.txt'), T0);
      }
    }
    await waitPastRacyWindow(fixtures);
  });
  after(() => fs.rmSync(fixtures, { recursive: true, force: true }));

  let dir: string;
  let cacheFile: string;
  beforeEach(async () => {
    dir = await makeTempDir();
    cacheFile = path.join(dir, 'cache', 'metadata.json');
  });
  afterEach(removeTempDirs);

  function pair(name: string) {
    const source = path.join(fixtures, name, 'source');
    const destination = path.join(fixtures, name, 'destination');
    return {
      source,
      destination,
      sourceFile: path.join(source, 'file.txt'),
      destinationFile: path.join(destination, 'file.txt'),
    };
  }

  /** A cache that claims both files of the pair hold the same content, recorded now. */
  async function forgeEqualHashes(files: string[]): Promise<void> {
    const cache = await MetadataCache.open(cacheFile, 60_000);
    for (const file of files) cache.remember(file, metaOf(file), FORGED);
    await cache.save({ prune: false });
  }

  function checksumRequest(name: string, overrides: Partial<SyncRequest> = {}): SyncRequest {
    const { source, destination } = pair(name);
    return makeSyncRequest(source, destination, {
      comparison: 'checksum',
      metadataCacheFile: cacheFile,
      ...overrides,
    });
  }

  describe('in a checksum run', () => {
    it('trusts a record that still describes the file, reading neither file', async () => {
      const { sourceFile, destinationFile } = pair('trusted');
      await forgeEqualHashes([sourceFile, destinationFile]);

      const { result, plan } = await syncAndCollect(checksumRequest('trusted'));

      expect(result.warnings).to.deep.equal([]);
      expect(plan).to.deep.equal([
        { action: 'skip', path: 'file.txt', kind: 'file', reason: 'same content' },
      ]);
      expect(fs.readFileSync(destinationFile, 'utf8')).to.equal('destin content');
    });

    it('never trusts a corrupt cache file: warns, reads the files and rebuilds it', async () => {
      const { sourceFile, destinationFile } = pair('corrupt');
      await forgeEqualHashes([sourceFile, destinationFile]);
      flipAByte(cacheFile);

      const { result, plan } = await syncAndCollect(checksumRequest('corrupt'));

      expect(result.outcome).to.equal('ok');
      expect(result.warnings).to.have.length(1);
      expect(result.warnings[0]).to.include(cacheFile).and.include('corrupt');
      expect(plan).to.deep.include({
        action: 'update',
        path: 'file.txt',
        kind: 'file',
        reason: 'content differs',
        bytes: 14,
      });
      expect(fs.readFileSync(destinationFile, 'utf8')).to.equal('source content');
      const reopened = await MetadataCache.open(cacheFile, 60_000);
      expect(reopened.warning, 'rewritten whole').to.equal(undefined);
      expect(hashAt(reopened, sourceFile, metaOf(sourceFile))).to.equal(sha256('source content'));
    });

    it('reads the files again with a TTL of 0', async () => {
      const { sourceFile, destinationFile } = pair('ttl');
      await forgeEqualHashes([sourceFile, destinationFile]);
      const recordedAt = Date.now();
      await waitFor(() => Date.now() > recordedAt, { what: 'the clock to tick' });

      const { plan } = await syncAndCollect(checksumRequest('ttl', { metadataCacheTtlMs: 0 }));

      expect(plan.map((entry) => entry.reason)).to.deep.equal(['content differs']);
      expect(fs.readFileSync(destinationFile, 'utf8')).to.equal('source content');
    });

    it('hashes again a file changed since, even with the same size and its time put back', async () => {
      const { sourceFile, destinationFile } = pair('changed');
      await forgeEqualHashes([sourceFile, destinationFile]);
      // Same size, time restored: only the change time (ctime) says the file moved.
      fs.writeFileSync(sourceFile, 'SOURCE CONTENT');
      setMtime(sourceFile, T0);

      const { plan } = await syncAndCollect(checksumRequest('changed'));

      expect(plan.map((entry) => entry.reason)).to.deep.equal(['content differs']);
      expect(fs.readFileSync(destinationFile, 'utf8')).to.equal('SOURCE CONTENT');
    });

    it('does not trust a hash recorded within 2 s of the last change of the file', async () => {
      const source = path.join(dir, 'source');
      const destination = path.join(dir, 'destination');
      fs.mkdirSync(source);
      fs.mkdirSync(destination);
      fs.writeFileSync(path.join(source, 'file.txt'), 'source content');
      fs.writeFileSync(path.join(destination, 'file.txt'), 'destin content');
      setMtime(path.join(source, 'file.txt'), T0);
      setMtime(path.join(destination, 'file.txt'), T0);
      await forgeEqualHashes([path.join(source, 'file.txt'), path.join(destination, 'file.txt')]);

      const { plan } = await syncAndCollect(
        makeSyncRequest(source, destination, { comparison: 'checksum', metadataCacheFile: cacheFile }),
      );

      expect(plan.map((entry) => entry.reason)).to.deep.equal(['content differs']);
    });

    it('trusts on the next run a copy it made, without reading it', async () => {
      // The source's record says FORGED: a copy recorded from it says FORGED too, which no read of the copy
      // would give. So the second run skips the file only if it trusted the copy's record.
      const { sourceFile, destinationFile } = pair('copied');
      await forgeEqualHashes([sourceFile]);

      const first = await syncAndCollect(checksumRequest('copied'));
      const second = await syncAndCollect(checksumRequest('copied'));

      expect(first.plan.map((entry) => entry.reason)).to.deep.equal(['content differs']);
      expect(fs.readFileSync(destinationFile, 'utf8')).to.equal('source content');
      expect(second.plan).to.deep.equal([
        { action: 'skip', path: 'file.txt', kind: 'file', reason: 'same content' },
      ]);
    });

    it('records no copy of a source changed within 2 s of being hashed', async () => {
      // Both files are hashed (same size and time, so only their content tells them apart), the source is
      // copied; the source changed just now, so its hash may not hold for the bytes the copy read.
      const source = path.join(dir, 'source');
      const destination = path.join(dir, 'destination');
      fs.mkdirSync(source);
      fs.mkdirSync(destination);
      const [sourceFile, copy] = [path.join(source, 'file.txt'), path.join(destination, 'file.txt')];
      fs.writeFileSync(copy, 'destin content');
      fs.writeFileSync(sourceFile, 'source content');
      setMtime(copy, fs.lstatSync(sourceFile).mtimeMs);

      const { plan } = await syncAndCollect(
        makeSyncRequest(source, destination, { comparison: 'checksum', metadataCacheFile: cacheFile }),
      );

      expect(plan.map((entry) => entry.reason)).to.deep.equal(['content differs']);
      const text = fs.readFileSync(cacheFile, 'utf8');
      const records = JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown[]>;
      expect(records[copy]?.[3], 'a record of the copy (its inode)').not.to.equal(metaOf(copy).ino);
    });

    it('is neither read nor written outside checksum mode', async () => {
      fs.mkdirSync(path.dirname(cacheFile));
      fs.writeFileSync(cacheFile, 'not a cache');
      const source = path.join(dir, 'source');
      fs.mkdirSync(source);
      fs.writeFileSync(path.join(source, 'file.txt'), 'content');
      const request = makeSyncRequest(source, path.join(dir, 'destination'), {
        comparison: 'mtime',
        metadataCacheFile: cacheFile,
      });

      const { result } = await syncAndCollect(request);

      expect(result.warnings).to.deep.equal([]);
      expect(fs.readFileSync(cacheFile, 'utf8')).to.equal('not a cache');
    });
  });

  describe('on its own', () => {
    it('returns a hash it recorded without reading the file, while the file is unchanged', async () => {
      const { sourceFile } = pair('unit-trust');
      const first = await MetadataCache.open(cacheFile, 60_000);
      expect(hashAt(first, sourceFile, metaOf(sourceFile))).to.equal(sha256('source content'));
      first.remember(sourceFile, metaOf(sourceFile), FORGED);
      await first.save({ prune: true });

      const second = await MetadataCache.open(cacheFile, 60_000);

      expect(second.warning).to.equal(undefined);
      expect(hashAt(second, sourceFile, metaOf(sourceFile))).to.equal(FORGED);
    });

    it('reads the file when the record is older than the TTL', async () => {
      const { sourceFile } = pair('unit-ttl');
      const first = await MetadataCache.open(cacheFile, 60_000);
      first.remember(sourceFile, metaOf(sourceFile), FORGED);
      await first.save({ prune: false });
      // A record of this very millisecond is 0 ms old, which a TTL of 0 still accepts.
      const recordedAt = Date.now();
      await waitFor(() => Date.now() > recordedAt, { what: 'the clock to tick' });

      const second = await MetadataCache.open(cacheFile, 0);

      expect(hashAt(second, sourceFile, metaOf(sourceFile))).to.equal(sha256('source content'));
    });

    it('reads the file when its change time moved, whatever its size and time say', async () => {
      const { sourceFile } = pair('unit-changed');
      const first = await MetadataCache.open(cacheFile, 60_000);
      first.remember(sourceFile, metaOf(sourceFile), FORGED);
      await first.save({ prune: false });
      fs.writeFileSync(sourceFile, 'SOURCE CONTENT');
      setMtime(sourceFile, T0);

      const second = await MetadataCache.open(cacheFile, 60_000);

      expect(hashAt(second, sourceFile, metaOf(sourceFile))).to.equal(sha256('SOURCE CONTENT'));
    });

    it('gives a copy no hash when its source changed after it was hashed', async () => {
      const { sourceFile } = pair('unit-copy-changed');
      const copy = path.join(dir, 'copy.txt');
      const cache = await MetadataCache.open(cacheFile, 60_000);
      const hashed = metaOf(sourceFile);
      expect(hashAt(cache, sourceFile, hashed)).to.equal(sha256('source content'));
      // Same size and time after the hash: only the change time says the copy holds other bytes.
      fs.writeFileSync(sourceFile, 'SOURCE CONTENT');
      setMtime(sourceFile, T0);
      fs.copyFileSync(sourceFile, copy);
      setMtime(copy, T0);

      cache.rememberCopy(sourceFile, hashed, copy);

      expect(hashAt(cache, copy, metaOf(copy))).to.equal(sha256('SOURCE CONTENT'));
    });

    it('says a truncated file is corrupt and trusts none of it', async () => {
      const { sourceFile } = pair('unit-truncated');
      const first = await MetadataCache.open(cacheFile, 60_000);
      first.remember(sourceFile, metaOf(sourceFile), FORGED);
      await first.save({ prune: false });
      const text = fs.readFileSync(cacheFile, 'utf8');
      // Cut after the record: what is left still parses as far as it goes.
      fs.writeFileSync(cacheFile, text.slice(0, text.indexOf(FORGED) + FORGED.length));

      const second = await MetadataCache.open(cacheFile, 60_000);

      expect(second.warning).to.match(/is corrupt .*; rebuilding it$/);
      expect(hashAt(second, sourceFile, metaOf(sourceFile))).to.equal(sha256('source content'));
    });

    it('says an unreadable file is unreadable, without throwing', async () => {
      fs.mkdirSync(cacheFile, { recursive: true });

      const cache = await MetadataCache.open(cacheFile, 60_000);

      expect(cache.warning).to.match(/unreadable .*; rebuilding it$/);
    });

    it('starts empty and silent when the file does not exist yet', async () => {
      const cache = await MetadataCache.open(cacheFile, 60_000);

      expect(cache.warning).to.equal(undefined);
      await cache.save({ prune: true });
      expect(fs.existsSync(cacheFile), 'nothing to write').to.equal(false);
    });

    it('drops, when pruning, the paths a run did not meet', async () => {
      const kept = path.join(dir, 'kept.txt');
      const gone = path.join(dir, 'gone.txt');
      fs.writeFileSync(kept, 'kept');
      fs.writeFileSync(gone, 'gone');
      const first = await MetadataCache.open(cacheFile, 60_000);
      hashAt(first, kept, metaOf(kept));
      hashAt(first, gone, metaOf(gone));
      await first.save({ prune: true });
      const second = await MetadataCache.open(cacheFile, 60_000);
      hashAt(second, kept, metaOf(kept));
      await second.save({ prune: true });

      const text = fs.readFileSync(cacheFile, 'utf8');

      expect(text).to.include(JSON.stringify(kept)).and.not.include(JSON.stringify(gone));
    });
  });
});
