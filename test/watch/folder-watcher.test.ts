import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chooseBackend } from '../../src/watch/choose-backend.js';
import type { WatchEventKind } from '../../src/watch/classify-changes.js';
import { FolderWatcher } from '../../src/watch/folder-watcher.js';
import type { WatchBackend } from '../../src/watch/watch-backend.js';
import { WatchFilter } from '../../src/watch/watch-filter.js';
import type { ChangeBatch, WatcherSettings } from '../../src/watch/watcher-settings.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

/** A watcher on a real folder through a real backend, its batches and logs collected. */
class WatchedFolder {
  readonly batches: ChangeBatch[] = [];
  readonly logs: string[] = [];
  readonly watcher: FolderWatcher;

  constructor(
    readonly source: string,
    settings: WatcherSettings,
    { filters = [] as string[], backend }: { filters?: string[]; backend?: WatchBackend } = {},
  ) {
    const filter = new WatchFilter({
      source,
      destination: `${source}-mirror`,
      filters,
      ignoreHiddenFiles: false,
    });
    this.watcher = new FolderWatcher(
      settings,
      filter,
      {
        changed: (batch) => this.batches.push(batch),
        statusChanged: () => undefined,
        log: (level, message) => this.logs.push(`${level}: ${message}`),
      },
      backend ? async () => ({ backend }) : chooseBackend,
    );
  }

  /** Changed paths of every batch since `from`, sorted. */
  pathsSince(from: number): string[] {
    return this.batches
      .slice(from)
      .flatMap((batch) => ('paths' in batch ? batch.paths : []))
      .sort();
  }

  rescans(reason: string): number {
    return this.batches.filter((batch) => 'rescan' in batch && batch.rescan === reason).length;
  }

  /** Waits until every event seen so far has left its debounce window (as a batch, or held back). */
  async settled(eventsSeen: number): Promise<void> {
    try {
      await waitFor(
        () => {
          const status = this.watcher.status();
          return status.eventsSeen >= eventsSeen && status.pending === 0;
        },
        { what: `${eventsSeen} event(s) seen and handled`, timeoutMs: 10_000 },
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}; batches: ${JSON.stringify(this.batches)}, ` +
          `status ${JSON.stringify(this.watcher.status())}, logs ${JSON.stringify(this.logs)}`,
      );
    }
  }

  /**
   * Writes `<name>-1.txt` and waits for it, again under a new name if it never comes: @parcel/watcher 2.6 drops
   * an event that arrives while it hands on the previous batch (Watcher::triggerCallbacks reads, then clears,
   * its event list under two locks; upstream issue parcel-bundler/watcher#183), seen here in about 1 run in 20
   * of a test writing two files back to back; in the daemon the periodic full rescan catches it. A test that
   * needs one event to know the others were handled uses this, so that it tests the watcher, not that race.
   * Returns the names written.
   */
  async sentinel(name: string): Promise<string[]> {
    const written: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const file = `${name}-${attempt}.txt`;
      written.push(file);
      fs.writeFileSync(path.join(this.source, file), 'x');
      const arrived = await waitFor(() => this.pathsSince(0).includes(file), {
        what: file,
        timeoutMs: 3000,
      }).then(
        () => true,
        () => false,
      );
      if (arrived) return written;
    }
    throw new Error(`no sentinel arrived: ${JSON.stringify(this.batches)}`);
  }

  async waitForPaths(from: number, expected: string[]): Promise<void> {
    try {
      await waitFor(() => expected.every((relative) => this.pathsSince(from).includes(relative)), {
        what: `batches naming ${expected.join(', ')}`,
        timeoutMs: 10_000,
      });
    } catch (error) {
      // What the watcher had, to tell a missed event from a watcher that degraded or never flushed.
      throw new Error(
        `${(error as Error).message}; batches since: ${JSON.stringify(this.batches.slice(from))}, ` +
          `status ${JSON.stringify(this.watcher.status())}, logs ${JSON.stringify(this.logs)}`,
      );
    }
  }
}

for (const backendName of ['native', 'chokidar'] as const) {
  describe(`folder watcher (${backendName} backend, real files)`, function () {
    this.timeout(30_000);
    this.slow(5000);
    let source: string;
    const watched: WatchedFolder[] = [];

    const settingsFor = (overrides: Partial<WatcherSettings> = {}): WatcherSettings => ({
      id: 'w',
      path: source,
      recursive: true,
      debounceMs: 20,
      events: ['create', 'write', 'remove', 'rename'],
      backend: backendName,
      pollIntervalMs: 100,
      fullRescanIntervalSecs: 3600,
      ...overrides,
    });

    const watch = async (
      overrides: Partial<WatcherSettings> = {},
      options: { filters?: string[]; backend?: WatchBackend } = {},
    ): Promise<WatchedFolder> => {
      const folder = new WatchedFolder(source, settingsFor(overrides), options);
      watched.push(folder);
      await folder.watcher.start();
      return folder;
    };

    beforeEach(async () => {
      source = path.join(await makeTempDir(), 'source');
      await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b', 'sub/deep/c.txt': 'c' });
    });

    afterEach(async () => {
      await Promise.all(watched.splice(0).map((folder) => folder.watcher.stop()));
      await removeTempDirs();
    });

    it('asks for a full run once the watch is in place, then reports creates, writes, removes and renames', async () => {
      const folder = await watch();
      expect(folder.batches).to.deep.equal([{ watcher: 'w', rescan: 'watch-started' }]);
      expect(folder.watcher.status()).to.include({ state: 'active', backend: backendName });

      let from = folder.batches.length;
      fs.writeFileSync(path.join(source, 'new.txt'), 'new');
      fs.writeFileSync(path.join(source, 'sub/b.txt'), 'b, changed');
      await folder.waitForPaths(from, ['new.txt', 'sub/b.txt']);

      from = folder.batches.length;
      fs.rmSync(path.join(source, 'a.txt'));
      fs.renameSync(path.join(source, 'sub/deep'), path.join(source, 'sub/moved'));
      await folder.waitForPaths(from, ['a.txt', 'sub/deep', 'sub/moved']);

      // The renamed folder is watched under its new name.
      from = folder.batches.length;
      fs.writeFileSync(path.join(source, 'sub/moved/d.txt'), 'd');
      await folder.waitForPaths(from, ['sub/moved/d.txt']);
    });

    it('watches the folders inside a folder moved in under their new names', async () => {
      await writeTree(source, { 'tree/inner/deeper/e.txt': 'e' });
      const folder = await watch();
      const outside = path.join(path.dirname(source), 'outside');
      await writeTree(outside, { 'inner/f.txt': 'f' });
      let from = folder.batches.length;
      fs.renameSync(path.join(source, 'tree'), path.join(source, 'renamed-tree'));
      fs.renameSync(outside, path.join(source, 'moved-in'));
      // The native backend watches its folder anew (with the full run any new watch starts with), which also
      // covers the second rename should its event be dropped (see `sentinel`).
      if (backendName === 'native') {
        await folder.waitForPaths(from, ['renamed-tree']);
        await waitFor(() => folder.rescans('watch-started') === 2, { what: 'the folder watched anew' });
      } else await folder.waitForPaths(from, ['renamed-tree', 'moved-in']);
      from = folder.batches.length;
      // One at a time: a second write while the first is handed on may be dropped (see `sentinel`).
      fs.writeFileSync(path.join(source, 'renamed-tree/inner/deeper/g.txt'), 'g');
      await folder.waitForPaths(from, ['renamed-tree/inner/deeper/g.txt']);
      fs.writeFileSync(path.join(source, 'moved-in/inner/h.txt'), 'h');
      await folder.waitForPaths(from, ['moved-in/inner/h.txt']);
    });

    it('hands on a burst of 200 writes as one batch', async () => {
      const folder = await watch({ debounceMs: 500 });
      const from = folder.batches.length;
      for (let index = 0; index < 200; index++)
        fs.writeFileSync(path.join(source, `burst-${index}.txt`), 'x');
      await folder.settled(200);
      expect(folder.batches.length - from).to.equal(1);
      expect(folder.pathsSince(from)).to.have.length(200);
    });

    it('with watch_events = ["create"], a modification alone does not sync; the next create takes it along', async () => {
      const folder = await watch({ events: ['create'] satisfies WatchEventKind[] });
      const from = folder.batches.length;
      fs.writeFileSync(path.join(source, 'a.txt'), 'a, changed');
      await folder.settled(1);
      expect(folder.batches.length - from).to.equal(0);

      const seen = folder.watcher.status().eventsSeen;
      fs.writeFileSync(path.join(source, 'created.txt'), 'new');
      await folder.settled(seen + 1);
      expect(folder.batches.length - from).to.equal(1);
      expect(folder.pathsSince(from)).to.deep.equal(['a.txt', 'created.txt']);
    });

    it('never reports a change under an excluded folder, nor the engine’s temp files', async () => {
      const folder = await watch({}, { filters: ['build', '*.log'] });
      const from = folder.batches.length;
      fs.mkdirSync(path.join(source, 'build'));
      fs.writeFileSync(path.join(source, 'build/out.bin'), 'x');
      fs.writeFileSync(path.join(source, 'sub/trace.log'), 'x');
      fs.writeFileSync(path.join(source, '.sync-daemon-0123456789abcdef.tmp'), 'x');
      const kept = await folder.sentinel('kept');
      await folder.settled(kept.length);
      expect(folder.pathsSince(from).every((changed) => kept.includes(changed))).to.equal(true);
      expect(folder.watcher.status().eventsSeen).to.be.at.most(kept.length);
    });

    it('with recursive = false, reports changes of the folder itself only', async () => {
      const folder = await watch({ recursive: false });
      const from = folder.batches.length;
      fs.writeFileSync(path.join(source, 'sub/deep/ignored.txt'), 'x');
      fs.writeFileSync(path.join(source, 'top.txt'), 'x');
      await folder.waitForPaths(from, ['top.txt']);
      expect(folder.pathsSince(from)).to.deep.equal(['top.txt']);
    });

    it('survives its folder being removed, and watches it again (with a full run) once it is back', async () => {
      const folder = await watch();
      fs.rmSync(source, { recursive: true });
      await waitFor(() => folder.watcher.status().state === 'error', {
        what: 'the watcher to see its folder go',
      });
      expect(folder.watcher.status().reason).to.match(/is gone; watching starts again when it is back/);

      const started = folder.rescans('watch-started');
      await writeTree(source, { 'again.txt': 'back' });
      await waitFor(() => folder.rescans('watch-started') > started, { what: 'a full run once it is back' });
      expect(folder.watcher.status().state).to.equal('active');

      const from = folder.batches.length;
      fs.writeFileSync(path.join(source, 'after.txt'), 'x');
      await folder.waitForPaths(from, ['after.txt']);
    });

    it('degrades to full runs when it cannot watch (ENOSPC), says what to raise, and watches again when it can', async () => {
      const { backend: real } = await chooseBackend(backendName);
      let failing = true;
      // The kernel's own words for a watch limit reached, while `failing`; the real backend otherwise.
      const limited: WatchBackend = {
        name: real.name,
        subscribe: (folder, options, handlers) =>
          failing
            ? Promise.reject(
                new Error(`inotify_add_watch on '${folder}/sub' failed: No space left on device`),
              )
            : real.subscribe(folder, options, handlers),
      };
      const folder = await watch({ fullRescanIntervalSecs: 1 }, { backend: limited });
      const status = folder.watcher.status();
      expect(status.state).to.equal('degraded');
      expect(status.reason).to.match(/fs\.inotify\.max_user_watches = \d+/);
      expect(status.reason).to.match(/sysctl fs\.inotify\.max_user_watches=\d+/);
      expect(status.reason).to.match(/a full sync runs every 1s/);
      // Full runs stand in for the watch, again and again; the failure is logged once.
      await waitFor(() => folder.rescans('watch-failed') >= 2, { what: 'a second full run while degraded' });
      expect(folder.logs.filter((line) => line.includes('max_user_watches'))).to.have.length(1);

      failing = false;
      await waitFor(() => folder.watcher.status().state === 'active', { what: 'watching again' });
      expect(folder.rescans('watch-started')).to.equal(1);
      const from = folder.batches.length;
      fs.writeFileSync(path.join(source, 'later.txt'), 'x');
      await folder.waitForPaths(from, ['later.txt']);
    });
  });
}
