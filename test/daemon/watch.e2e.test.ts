import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { JobStatus } from '../../src/control/daemon-api.js';
import { killTestDaemons, socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { expectSameTree, snapshotTree, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const MAX_USER_WATCHES = '/proc/sys/fs/inotify/max_user_watches';

function watcherToml(job: string, settings: string): string {
  return ['[[file_watchers]]', `id = "${job}-watcher"`, `sync_job_id = "${job}"`, settings].join('\n');
}

/** The job's runs so far, by the reasons they were started for. */
function runsOf(daemon: TestDaemon, job: string): string[][] {
  return daemon.logged('sync started', job).map((line) => line.reasons as string[]);
}

/** Same paths, contents and modes (folder times move as the mirror is written into). */
function expectMirrored(source: string, mirror: string): void {
  expectSameTree(snapshotTree(mirror), snapshotTree(source), { times: false });
}

function watcherOf(job: JobStatus) {
  const watcher = job.watching?.watchers[0];
  if (!watcher) throw new Error(`job ${job.id} reports no watcher`);
  return watcher;
}

for (const backend of ['native', 'chokidar'] as const) {
  describe(`file watchers in the daemon (${backend} backend)`, function () {
    this.slow(10_000);
    this.timeout(60_000);
    let dir: string;

    beforeEach(async () => {
      dir = await makeTempDir();
    });

    afterEach(async () => {
      await killTestDaemons();
      await removeTempDirs();
    });

    const startWatching = async (settings = 'debounce_ms = 50', jobExtra = '') => {
      const config = await writeDaemonConfig(
        dir,
        [
          {
            id: 'docs',
            files: { 'a.txt': 'a', 'sub/b.txt': 'b', 'sub/deep/c.txt': 'c' },
            extra: `sync_options = { delete_destination_files = true }\n${jobExtra}`,
          },
        ],
        { extra: watcherToml('docs', `backend = "${backend}"\n${settings}`) },
      );
      const daemon = await TestDaemon.start(config, socketOf(dir));
      return { daemon, source: path.join(dir, 'docs', 'source'), mirror: path.join(dir, 'docs', 'mirror') };
    };

    const waitForMirror = (source: string, mirror: string, what: string) =>
      waitFor(
        () => {
          try {
            expectMirrored(source, mirror);
            return true;
          } catch {
            return false;
          }
        },
        { what, timeoutMs: 20_000 },
      );

    it('syncs in full once watching, then mirrors creates, writes, removes and renames of files and folders', async () => {
      const { daemon, source, mirror } = await startWatching();
      await waitForMirror(source, mirror, 'the start-up sync');
      expect(runsOf(daemon, 'docs')[0]).to.deep.equal(['startup']);
      await waitFor(async () => (await daemon.job('docs')).watching !== undefined, {
        what: 'watcher status',
      });
      expect(watcherOf(await daemon.job('docs'))).to.include({ state: 'active', backend });

      fs.writeFileSync(path.join(source, 'new.txt'), 'new');
      fs.writeFileSync(path.join(source, 'sub/b.txt'), 'b, longer now');
      await waitForMirror(source, mirror, 'a create and a write');
      const folderInode = fs.statSync(path.join(mirror, 'sub/deep')).ino;
      fs.rmSync(path.join(source, 'a.txt'));
      fs.renameSync(path.join(source, 'sub/b.txt'), path.join(source, 'sub/b-renamed.txt'));
      fs.renameSync(path.join(source, 'sub/deep'), path.join(source, 'moved-deep'));
      await waitForMirror(source, mirror, 'a remove and renames');
      // The folder was moved in the mirror too, not copied again.
      expect(fs.statSync(path.join(mirror, 'moved-deep')).ino).to.equal(folderInode);
      expect(runsOf(daemon, 'docs').slice(1).flat()).to.include('watch');
      expect(daemon.logged(/watcher saw changes/, 'docs').length).to.be.greaterThan(0);
    });

    it('runs one sync for a burst of 200 writes with debounce_ms = 500', async () => {
      const { daemon, source, mirror } = await startWatching('debounce_ms = 500');
      await waitForMirror(source, mirror, 'the start-up sync');
      await waitFor(async () => (await daemon.job('docs')).watching !== undefined, {
        what: 'watcher status',
      });
      const before = runsOf(daemon, 'docs').length;
      for (let index = 0; index < 200; index++)
        fs.writeFileSync(path.join(source, `burst-${index}.txt`), 'x');
      // Every write seen and handed on; the run it started has ended.
      await waitFor(
        async () => {
          const job = await daemon.job('docs');
          const watcher = watcherOf(job);
          return watcher.eventsSeen >= 200 && watcher.pending === 0 && job.state === 'idle';
        },
        { what: 'the burst to be seen and synced', timeoutMs: 20_000 },
      );
      expectMirrored(source, mirror);
      expect(runsOf(daemon, 'docs').slice(before)).to.deep.equal([['watch']]);
    });

    it('keeps what changed while the job was paused, and syncs it when resumed', async () => {
      const { daemon, source, mirror } = await startWatching();
      await waitForMirror(source, mirror, 'the start-up sync');
      await daemon.call('job.pause', { job: 'docs' });
      const before = runsOf(daemon, 'docs').length;
      fs.writeFileSync(path.join(source, 'while-paused.txt'), 'x');
      await waitFor(
        async () => {
          const watcher = (await daemon.job('docs')).watching?.watchers[0];
          return watcher !== undefined && watcher.eventsSeen >= 1 && watcher.pending === 0;
        },
        { what: 'the change to be seen' },
      );
      expect(runsOf(daemon, 'docs').length).to.equal(before);
      await daemon.call('job.resume', { job: 'docs' });
      await waitForMirror(source, mirror, 'the catch-up run');
    });

    it('restarts only the job of a watcher that a reload changed', async () => {
      const config = await writeDaemonConfig(
        dir,
        [
          { id: 'docs', files: { 'a.txt': 'a' } },
          { id: 'other', files: { 'o.txt': 'o' } },
        ],
        { extra: watcherToml('docs', `backend = "${backend}"\ndebounce_ms = 50`) },
      );
      const daemon = await TestDaemon.start(config, socketOf(dir));
      const before = await daemon.waitUntilIdle();
      fs.writeFileSync(
        config,
        fs.readFileSync(config, 'utf8').replace('debounce_ms = 50', 'debounce_ms = 60'),
      );
      const reply = (await daemon.call('reload')) as { restarted: string[]; unchanged: string[] };
      expect(reply.restarted).to.deep.equal(['docs']);
      expect(reply.unchanged).to.deep.equal(['other']);
      const pidOf = (status: typeof before, id: string) =>
        status.jobs.find((job) => job.id === id)?.runnerPid;
      // The watcher's start-up run may still be running: the new runner comes once it ends.
      let after = before;
      await waitFor(
        async () => {
          after = await daemon.waitUntilIdle();
          return pidOf(after, 'docs') !== pidOf(before, 'docs');
        },
        { what: 'the new runner of docs' },
      );
      expect(pidOf(after, 'other')).to.equal(pidOf(before, 'other'));
    });

    it('at the system’s watch limit (ENOSPC), degrades to full runs that still sync, and watches again once raised', async function () {
      let limit: string;
      try {
        limit = fs.readFileSync(MAX_USER_WATCHES, 'utf8').trim();
        fs.writeFileSync(MAX_USER_WATCHES, limit);
      } catch {
        // Needs root and a writable /proc/sys; the folder-watcher tests inject the same failure everywhere.
        this.skip();
      }
      try {
        fs.writeFileSync(MAX_USER_WATCHES, '1');
        const { daemon, source, mirror } = await startWatching(
          'debounce_ms = 50\nfull_rescan_interval_secs = 1',
        );
        await waitFor(async () => (await daemon.job('docs')).watching?.watchers[0]?.state === 'degraded', {
          what: 'the watcher to degrade',
          timeoutMs: 20_000,
        });
        const watcher = watcherOf(await daemon.job('docs'));
        expect(watcher.reason).to.match(/fs\.inotify\.max_user_watches = 1;/);
        fs.writeFileSync(path.join(source, 'by-rescan.txt'), 'x');
        await waitForMirror(source, mirror, 'a full run while degraded');
        // The runner's records travel in batches, apart from its watchers' statuses: waited for, then counted.
        await waitFor(() => daemon.logged(/max_user_watches/, 'docs').length > 0, {
          what: 'the limit logged',
        });
        expect(daemon.logged(/max_user_watches/, 'docs')).to.have.length(1);

        fs.writeFileSync(MAX_USER_WATCHES, limit);
        await waitFor(async () => (await daemon.job('docs')).watching?.watchers[0]?.state === 'active', {
          what: 'the watcher to watch again',
          timeoutMs: 20_000,
        });
        expect((await daemon.job('docs')).runnerPid).to.be.a('number');
        expect((await daemon.job('docs')).restarts).to.equal(0);
      } finally {
        fs.writeFileSync(MAX_USER_WATCHES, limit);
      }
    });
  });
}
