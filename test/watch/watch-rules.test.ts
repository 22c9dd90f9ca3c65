import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseRunnerMessage } from '../../src/ipc/runner-protocol.js';
import { ChangeDebouncer, MAX_WAIT_PERIODS } from '../../src/watch/change-debouncer.js';
import { type ChangeWindow, kindsOfWindow } from '../../src/watch/classify-changes.js';
import { WatchFilter } from '../../src/watch/watch-filter.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

describe('watch rules', () => {
  afterEach(removeTempDirs);

  describe('WatchFilter', () => {
    const filter = new WatchFilter({
      source: '/data/source',
      destination: '/data/mirror',
      trashDir: '/data/trash',
      filters: ['node_modules', 'build/', '*.log', '/top-only'],
      ignoreHiddenFiles: true,
    });

    it('places a change inside the source, outside it, or leaves it out', () => {
      expect(filter.target('/data/source/docs/a.txt')).to.deep.equal({
        kind: 'source',
        relativePath: 'docs/a.txt',
      });
      expect(filter.target('/data/source')).to.deep.equal({ kind: 'source', relativePath: '' });
      expect(filter.target('/data/other/a.txt')).to.deep.equal({ kind: 'outside' });
      // A name that merely starts with two dots is inside.
      const plain = new WatchFilter({
        source: '/s',
        destination: '/d',
        filters: [],
        ignoreHiddenFiles: false,
      });
      expect(plain.target('/s/..notes')).to.deep.equal({ kind: 'source', relativePath: '..notes' });
    });

    it('leaves out what a run would skip: filters, hidden names, temp files, the destination and the trash', () => {
      for (const ignored of [
        '/data/source/app/node_modules/x/index.js',
        '/data/source/app/build/out.bin',
        '/data/source/trace.log',
        '/data/source/top-only',
        '/data/source/.git/index',
        '/data/source/docs/.hidden',
        '/data/source/docs/.sync-daemon-0123456789abcdef.tmp',
        '/data/mirror/a.txt',
        '/data/trash/2026/a.txt',
      ])
        expect(filter.target(ignored), ignored).to.deep.equal({ kind: 'ignored' });
      // `build/` leaves out folders: a file of that name, maybe deleted, still counts.
      expect(filter.target('/data/source/build').kind).to.equal('source');
      expect(filter.target('/data/source/deep/top-only').kind).to.equal('source');
    });

    it('gives the native backend globs only for rules a glob says exactly', () => {
      expect(filter.nativeIgnoreGlobs('/data/source')).to.deep.equal([
        '**/.*',
        '**/node_modules',
        '**/*.log',
      ]);
      // A negated rule may bring a path back: only hidden names, which no rule brings back, are left unwatched.
      const negated = new WatchFilter({
        source: '/s',
        destination: '/d',
        filters: ['cache', '!cache/keep'],
        ignoreHiddenFiles: true,
      });
      expect(negated.nativeIgnoreGlobs('/s')).to.deep.equal(['**/.*']);
      // A watcher on a folder outside the source: the job's filters say nothing of it.
      expect(filter.nativeIgnoreGlobs('/elsewhere')).to.deep.equal([]);
    });
  });

  describe('ChangeDebouncer', () => {
    it('waits for a pause, but never longer than its maximum wait under a steady stream', async () => {
      const flushes: number[] = [];
      const waitMs = 40;
      const debouncer = new ChangeDebouncer(waitMs, () => flushes.push(Date.now()));
      const start = Date.now();
      // A change every 10 ms, never a pause of 40 ms: only the maximum wait lets a flush through.
      while (flushes.length === 0) {
        debouncer.touch();
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(Date.now() - start).to.be.below(waitMs * MAX_WAIT_PERIODS * 10);
      }
      debouncer.cancel();
      expect((flushes[0] as number) - start).to.be.at.least(waitMs * MAX_WAIT_PERIODS - 5);
    });

    it('with no wait, flushes once per turn of the event loop', async () => {
      let flushes = 0;
      const debouncer = new ChangeDebouncer(0, () => flushes++);
      debouncer.touch();
      debouncer.touch();
      expect(debouncer.pending).to.equal(true);
      await waitFor(() => !debouncer.pending, { what: 'the flush' });
      expect(flushes).to.equal(1);
    });
  });

  describe('kindsOfWindow', () => {
    it('counts a remove and a create seen together as a rename', async () => {
      const window: ChangeWindow = new Map();
      window.set('/s/old', { types: new Set(['delete']), seenAtMs: Date.now() });
      window.set('/s/new', { types: new Set(['create']), seenAtMs: Date.now() });
      const kinds = await kindsOfWindow(window, new Set(['rename']));
      expect([...kinds].sort()).to.deep.equal(['create', 'remove', 'rename']);
    });

    it('tells a write (new content time) from a chmod when only one of them is wanted', async () => {
      const dir = await makeTempDir();
      const file = path.join(dir, 'f.txt');
      fs.writeFileSync(file, 'x');
      const oldTime = new Date(Date.now() - 3_600_000);
      fs.utimesSync(file, oldTime, oldTime);
      const mirror = path.join(dir, 'mirror.txt');
      fs.copyFileSync(file, mirror);
      fs.utimesSync(mirror, oldTime, oldTime);
      const window: ChangeWindow = new Map();
      window.set(file, { types: new Set(['update']), seenAtMs: Date.now() });
      fs.chmodSync(file, 0o600);
      const mirrorOf = () => mirror;
      expect([...(await kindsOfWindow(window, new Set(['write']), mirrorOf))]).to.deep.equal(['chmod']);
      // Without a mirror to compare with, an old content time may still be new content (`cp -p`): a write.
      expect([...(await kindsOfWindow(window, new Set(['write'])))]).to.deep.equal(['write']);
      // Older content whose mirror differs: new content restored with its old time.
      fs.writeFileSync(mirror, 'other');
      fs.utimesSync(mirror, oldTime, oldTime);
      expect([...(await kindsOfWindow(window, new Set(['write']), mirrorOf))]).to.deep.equal(['write']);
      fs.writeFileSync(file, 'y');
      expect([...(await kindsOfWindow(window, new Set(['write'])))]).to.deep.equal(['write']);
      // A write whose event came late (held by the backend, or a busy loop) is still a write.
      window.set(file, { types: new Set(['update']), seenAtMs: Date.now() + 1000 });
      expect([...(await kindsOfWindow(window, new Set(['write'])))]).to.deep.equal(['write']);
      // A path gone since it changed: a sync is the safe answer.
      fs.rmSync(file);
      expect([...(await kindsOfWindow(window, new Set(['chmod'])))]).to.deep.equal(['write']);
    });
  });

  describe('IPC: what a watcher sends', () => {
    it('accepts changed paths, a full run with its reason, and watcher statuses', () => {
      for (const message of [
        { type: 'changed', watcher: 'w', paths: ['a.txt'] },
        { type: 'changed', watcher: 'w', rescan: 'watch-started' },
        {
          type: 'watchers',
          watchers: [{ id: 'w', path: '/s', state: 'active', eventsSeen: 3, pending: 0 }],
          inotifyWatches: 4,
        },
      ])
        expect(parseRunnerMessage(message)).to.deep.equal({ ok: true, message });
    });

    it('refuses a change with both or neither of paths and rescan, or an unknown reason', () => {
      for (const message of [
        { type: 'changed', watcher: 'w' },
        { type: 'changed', watcher: 'w', paths: [], rescan: 'interval' },
        { type: 'changed', watcher: 'w', rescan: 'because' },
        { type: 'changed', paths: ['a'] },
        { type: 'watchers', watchers: [{ id: 'w' }] },
      ])
        expect(parseRunnerMessage(message).ok, JSON.stringify(message)).to.equal(false);
    });
  });
});
