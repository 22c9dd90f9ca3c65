import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { openListedTree } from '../../src/engine/folder-lister.js';
import { comparePreorder, listTree } from '../../src/engine/list-tree.js';
import type { FolderListing } from '../../src/engine/read-folder.js';
import { runSync } from '../../src/engine/run-sync.js';
import { ThreadClient } from '../../src/engine/thread-client.js';
import { StreamedTree } from '../../src/engine/tree-listers.js';
import { AHEAD_LIMIT, type TreeNote, type TreeRequest } from '../../src/engine/tree-stream-protocol.js';
import { makeSyncRequest, syncAndCollect } from '../helpers/sync-helpers.js';
import { makeSyncTrees, makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

const names = (listing: FolderListing) =>
  listing.status === 'ok' ? listing.entries.map((entry) => entry.name) : [];
const noFilters = { filters: [], ignoreHiddenFiles: false, skipPaths: [] };

describe('trees listed ahead of the walk', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeTempDir();
  });
  afterEach(removeTempDirs);

  describe('listTree', () => {
    it("lists folders in the walk's order: a folder before its content, siblings by name", async () => {
      // "a b" and "a.b" sort after "a" but before "a/…" would as whole strings: the order is by name, per level.
      await writeTree(root, {
        'a/b/f': '',
        'a/c/f': '',
        'a b/f': '',
        'a.b/f': '',
        'B/f': '',
        'é/f': '',
      });

      const paths = [...listTree({ root, ...noFilters })].map((listed) => listed.path);

      expect(paths).to.deep.equal(['', 'B', 'a', 'a/b', 'a/c', 'a b', 'a.b', 'é']);
      expect([...paths].sort(comparePreorder)).to.deep.equal(paths);
    });

    it('enters no excluded folder, no temp folder and no skipped path', async () => {
      await writeTree(root, {
        'keep/f': '',
        'cache/deep/f': '',
        '.hidden/f': '',
        'trash/run/f': '',
        '.sync-daemon-0123456789abcdef.tmp/f': '',
      });

      const listed = [
        ...listTree({
          root,
          filters: ['cache/'],
          ignoreHiddenFiles: true,
          skipPaths: [path.join(root, 'trash')],
        }),
      ];

      expect(listed.map((one) => one.path)).to.deep.equal(['', 'keep']);
    });

    it('enters only the folders the mirrored tree has too, with mirrorOf (a run without deletions)', async () => {
      const mirrored = await makeTempDir();
      await writeTree(root, {
        'only-here/deep/f': '',
        'both/f': '',
        'both/only-here/f': '',
        'file-there/f': '',
      });
      await writeTree(mirrored, { 'both/f': '', 'file-there': '' });

      const listed = [...listTree({ root, ...noFilters, mirrorOf: mirrored })].map((one) => one.path);

      expect(listed).to.deep.equal(['', 'both']);
    });

    it('reports a folder that vanished as an error and goes on with the rest', async () => {
      await writeTree(root, { 'a/x/f': '', 'b/f': '' });
      const listed: string[] = [];
      for (const { path: relative, listing } of listTree({ root, ...noFilters })) {
        listed.push(`${relative}:${listing.status}`);
        if (relative === '') fs.rmSync(path.join(root, 'a'), { recursive: true });
      }
      expect(listed).to.deep.equal([':ok', 'a:error', 'b:ok']);
    });
  });

  describe('comparePreorder', () => {
    it('puts the root first, a folder before its content, and compares names level by level', () => {
      expect(comparePreorder('', 'a')).to.be.below(0);
      expect(comparePreorder('a', 'a/b')).to.be.below(0);
      expect(comparePreorder('a/b', 'a b')).to.be.below(0);
      expect(comparePreorder('a/z/z', 'b')).to.be.below(0);
      expect(comparePreorder('b', 'a/z')).to.be.above(0);
      expect(comparePreorder('a/b', 'a/b')).to.equal(0);
    });
  });

  describe('StreamedTree', () => {
    it('gives each folder the walk asks for, drops those it passes over, and lists here what the thread did not', async () => {
      await writeTree(root, { 'a/f': '', 'b/g': '', 'c/h': '', 'c/d/i': '' });
      const tree = openListedTree({ root, ...noFilters }, 'destination');
      try {
        expect(tree).to.be.instanceOf(StreamedTree);
        expect(names(await tree.listing(''))).to.deep.equal(['a', 'b', 'c']);
        // a/ and b/ passed over, as the walk does with a destination folder it does not enter.
        expect(names(await tree.listing('c'))).to.deep.equal(['d', 'h']);
        // Not a folder the thread listed: listed here, and found missing.
        expect(await tree.listing('c/nothing')).to.include({ status: 'error', code: 'ENOENT' });
        expect(names(await tree.listing('c/d'))).to.deep.equal(['i']);
      } finally {
        tree.close();
      }
    });

    it('lists here what a thread that died did not send', async () => {
      await writeTree(root, { 'a/f': '', 'b/g': '' });
      // Sends the root (as empty, so it can be told apart) and dies.
      const dying = `
        const { parentPort } = require('node:worker_threads');
        parentPort.on('message', ({ id }) => {
          const listings = { headers: [{ path: '', status: 'ok', count: 0, namesLength: 0 }], names: '', numbers: new Float64Array(0) };
          parentPort.postMessage({ id, done: false, listings });
          setImmediate(() => process.exit(3));
        });`;
      const thread = new ThreadClient<TreeRequest, TreeNote>({
        name: 'test listing',
        start: () => new Worker(dying, { eval: true }),
        afterLoss: 'stay-inline',
        isAnswer: (note) => note.done,
      });
      const tree = new StreamedTree(thread, { root, ...noFilters });

      expect(names(await tree.listing(''))).to.deep.equal([]);
      expect(names(await tree.listing('a'))).to.deep.equal(['f']);
      expect(names(await tree.listing('b'))).to.deep.equal(['g']);
      tree.close();
    });

    it('stops the thread when the walk gives up early, and the next run still lists everything', async () => {
      const { source, destination } = await makeSyncTrees(['source']);
      // More entries than a listing thread may list ahead (AHEAD_LIMIT): it waits for the walk when it stops.
      const perFolder = 100;
      const folders = Math.ceil(AHEAD_LIMIT / perFolder) + 5;
      for (let folder = 0; folder < folders; folder++) {
        fs.mkdirSync(path.join(source, `d${folder}`), { recursive: true });
        for (let file = 0; file < perFolder; file++)
          fs.writeFileSync(path.join(source, `d${folder}`, `f${file}`), '');
      }
      const stop = new AbortController();

      const stopped = await runSync(
        makeSyncRequest(source, destination, { signal: stop.signal, onProgress: () => stop.abort() }),
      );
      const { result } = await syncAndCollect(makeSyncRequest(source, destination));

      expect(stopped.outcome).to.not.equal('ok');
      expect(result.outcome).to.equal('ok');
      expect(result.stats.filesScanned).to.equal(folders * perFolder);
      expect(fs.readdirSync(path.join(destination, `d${folders - 1}`))).to.have.length(perFolder);
    });
  });
});
