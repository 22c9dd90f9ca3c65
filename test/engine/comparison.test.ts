import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isSameMtime } from '../../src/engine/compare-metadata.js';
import { runSync } from '../../src/engine/run-sync.js';
import type { ComparisonMethod, PlanEntry } from '../../src/engine/types.js';
import { makeSyncRequest, setMtime, syncAndCollect } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs } from '../helpers/temp-dir.js';

// Whole seconds, even, in the past: a time every filesystem stores exactly.
const T0 = 1_700_000_000_000;

describe('runSync comparison modes', () => {
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ source, destination } = await makeSyncTrees(['source', 'destination']));
  });
  afterEach(removeTempDirs);

  /** Writes one file on each side with the given contents and times, then runs once in `comparison` mode. */
  async function compare(
    comparison: ComparisonMethod,
    sides: { source: string; sourceMtime: number; destination: string; destinationMtime: number },
  ): Promise<{ entry: PlanEntry | undefined; content: string }> {
    const sourceFile = path.join(source, 'file.txt');
    const destinationFile = path.join(destination, 'file.txt');
    fs.writeFileSync(sourceFile, sides.source);
    fs.writeFileSync(destinationFile, sides.destination);
    setMtime(sourceFile, sides.sourceMtime);
    setMtime(destinationFile, sides.destinationMtime);
    const { result, plan } = await syncAndCollect(makeSyncRequest(source, destination, { comparison }));
    expect(result.errors).to.deep.equal([]);
    return {
      entry: plan.find((candidate) => candidate.path === 'file.txt'),
      content: fs.readFileSync(destinationFile, 'utf8'),
    };
  }

  describe('mtime', () => {
    it('copies a file whose size differs', async () => {
      const { entry, content } = await compare('mtime', {
        source: 'longer',
        sourceMtime: T0,
        destination: 'short',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'update', reason: 'size differs', bytes: 6 });
      expect(content).to.equal('longer');
    });

    it('copies a file of the same size with a new modification time', async () => {
      const { entry, content } = await compare('mtime', {
        source: 'new',
        sourceMtime: T0 + 60_000,
        destination: 'old',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'update', reason: 'modification time differs', bytes: 3 });
      expect(content).to.equal('new');
      expect(fs.statSync(path.join(destination, 'file.txt')).mtimeMs).to.equal(T0 + 60_000);
    });

    it('does not copy a file of the same size and time, whatever its content', async () => {
      const { entry, content } = await compare('mtime', {
        source: 'new',
        sourceMtime: T0,
        destination: 'old',
        destinationMtime: T0,
      });
      expect(entry).to.deep.equal({
        action: 'skip',
        path: 'file.txt',
        kind: 'file',
        reason: 'same size and modification time',
      });
      expect(content).to.equal('old');
    });

    // The temp folders are on ext4 or tmpfs, which store nanoseconds: a whole-second time is just another time.
    it('copies a same-size edit whose time is near a whole-second destination time on a precise filesystem', async () => {
      const { entry, content } = await compare('mtime', {
        source: 'new',
        sourceMtime: T0 + 1_999.5,
        destination: 'old',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'update', reason: 'modification time differs' });
      expect(content).to.equal('new');
    });

    it('takes a whole or even second within its step for the same time only on a coarse filesystem', () => {
      // FAT rounds down to even seconds, SMB to whole ones.
      expect(isSameMtime(T0 + 1_999.5, T0, true)).to.equal(true);
      expect(isSameMtime(T0 + 1_999.9, T0 + 1_000, true)).to.equal(true);
      expect(isSameMtime(T0 + 2_000.5, T0, true)).to.equal(false);
      expect(isSameMtime(T0 + 1_999.5, T0, false)).to.equal(false);
      expect(isSameMtime(T0 + 1_999.9, T0 + 1_000, false)).to.equal(false);
      expect(isSameMtime(T0 + 0.5, T0 + 0.499, false)).to.equal(true);
    });

    it('copies when a coarse destination time is 2 s or more behind the source', async () => {
      const { entry, content } = await compare('mtime', {
        source: 'new',
        sourceMtime: T0 + 2_000.5,
        destination: 'old',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'update', reason: 'modification time differs' });
      expect(content).to.equal('new');
    });

    it('gives no tolerance to a destination time that is not on a whole second', async () => {
      const { entry, content } = await compare('mtime', {
        source: 'new',
        sourceMtime: T0 + 500.25,
        destination: 'old',
        destinationMtime: T0 + 0.25,
      });
      expect(entry).to.include({ action: 'update', reason: 'modification time differs' });
      expect(content).to.equal('new');
    });
  });

  describe('size', () => {
    it('does not copy a file of the same size, whatever its content and time', async () => {
      const { entry, content } = await compare('size', {
        source: 'new',
        sourceMtime: T0 + 3_600_000,
        destination: 'old',
        destinationMtime: T0,
      });
      expect(entry).to.not.include({ action: 'copy' });
      expect(entry?.bytes ?? 0).to.equal(0);
      expect(content).to.equal('old');
    });

    it('copies a file whose size differs, even with the same time', async () => {
      const { entry, content } = await compare('size', {
        source: 'longer',
        sourceMtime: T0,
        destination: 'old',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'update', reason: 'size differs' });
      expect(content).to.equal('longer');
    });
  });

  describe('checksum', () => {
    it('copies a file of the same size and time whose content differs', async () => {
      const { entry, content } = await compare('checksum', {
        source: 'new',
        sourceMtime: T0,
        destination: 'old',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'update', reason: 'content differs', bytes: 3 });
      expect(content).to.equal('new');
    });

    it('only fixes the time of a file whose content is equal', async () => {
      const inode = () => fs.statSync(path.join(destination, 'file.txt')).ino;
      fs.writeFileSync(path.join(destination, 'file.txt'), '');
      const before = inode();
      const { entry, content } = await compare('checksum', {
        source: 'same',
        sourceMtime: T0 + 60_000,
        destination: 'same',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'update', bytes: 0 });
      expect(entry?.reason).to.match(/^same content; modification time/);
      expect(content).to.equal('same');
      expect(inode(), 'fixed in place, not copied').to.equal(before);
      expect(fs.statSync(path.join(destination, 'file.txt')).mtimeMs).to.equal(T0 + 60_000);
    });

    it('skips a file whose content, mode and time are equal', async () => {
      const { entry } = await compare('checksum', {
        source: 'same',
        sourceMtime: T0,
        destination: 'same',
        destinationMtime: T0,
      });
      expect(entry).to.include({ action: 'skip', reason: 'same content' });
    });

    it('hashes large files (streamed) as well as small ones', async () => {
      // 2 MiB, above the size read in one call; one byte differs in the middle.
      const large = Buffer.alloc(2 << 20, 'a');
      const changed = Buffer.from(large);
      changed[1 << 20] = 'b'.charCodeAt(0);
      fs.writeFileSync(path.join(source, 'large.bin'), changed);
      fs.writeFileSync(path.join(destination, 'large.bin'), large);
      fs.writeFileSync(path.join(source, 'equal.bin'), large);
      fs.writeFileSync(path.join(destination, 'equal.bin'), large);
      for (const root of [source, destination]) {
        setMtime(path.join(root, 'large.bin'), T0);
        setMtime(path.join(root, 'equal.bin'), T0);
      }

      const { result, plan } = await syncAndCollect(
        makeSyncRequest(source, destination, { comparison: 'checksum' }),
      );

      expect(result.outcome).to.equal('ok');
      const actions = Object.fromEntries(plan.map((entry) => [entry.path, entry.reason]));
      expect(actions).to.deep.equal({ 'equal.bin': 'same content', 'large.bin': 'content differs' });
      expect(fs.readFileSync(path.join(destination, 'large.bin')).equals(changed)).to.equal(true);
    });
  });

  it('detects in checksum mode a same-size change whose time was restored, which mtime mode misses', async () => {
    fs.writeFileSync(path.join(source, 'file.txt'), 'version 1');
    setMtime(path.join(source, 'file.txt'), T0);
    await runSync(makeSyncRequest(source, destination));
    fs.writeFileSync(path.join(source, 'file.txt'), 'version 2');
    setMtime(path.join(source, 'file.txt'), T0);

    const byMtime = await runSync(makeSyncRequest(source, destination, { comparison: 'mtime' }));
    expect(byMtime.stats.updated).to.equal(0);
    const byChecksum = await runSync(makeSyncRequest(source, destination, { comparison: 'checksum' }));

    expect(byChecksum.stats.updated).to.equal(1);
    expect(fs.readFileSync(path.join(destination, 'file.txt'), 'utf8')).to.equal('version 2');
  });
});
