import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { configSchema } from '../../src/config/schema.js';
import { PocketBaseSource } from '../../src/pocketbase/pocketbase-source.js';
import { socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { usePocketBaseServer } from '../helpers/pocketbase-server.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { writeTree } from '../helpers/temp-dir.js';

describe('jobs from PocketBase in the daemon (a real PocketBase server)', function () {
  this.timeout(90_000);
  this.slow(10_000);
  const pb = usePocketBaseServer();

  /** A daemon config with one file job, `local`, and [pocketbase] pointing at the test server. */
  async function daemonConfig(
    password = pb.server.adminPassword,
  ): Promise<{ config: string; env: Record<string, string> }> {
    const config = await writeDaemonConfig(pb.dir, [{ id: 'local' }], {
      daemon: 'host = "test-host"',
      // The password comes from the environment.
      extra: pb.server.configSection({ account: [`admin_email = "${pb.server.adminEmail}"`] }),
    });
    return { config, env: { SYNC_DAEMON_POCKETBASE_PASSWORD: password } };
  }

  async function jobRecord(id: string, fields: Record<string, unknown> = {}) {
    const source = path.join(pb.dir, id, 'source');
    await writeTree(source, { 'a.txt': `content of ${id}` });
    return pb.admin.collection('sync_jobs').create({
      job_id: id,
      source_path: source,
      destination_path: path.join(pb.dir, id, 'mirror'),
      enabled: true,
      schedule: { type: 'manual' },
      ...fields,
    });
  }

  const jobIds = async (daemon: TestDaemon) => (await daemon.status()).jobs.map((job) => job.id).sort();

  it('runs the records’ jobs beside the file’s, applies edits within 2 s, and skips a bad record with an error', async () => {
    const record = await jobRecord('photos');
    await pb.admin
      .collection('sync_jobs')
      .create({ job_id: 'bad', source_path: 'relative', destination_path: '/x' });
    // Jobs assigned to daemons by host: this one's (daemon.host), and another's.
    await jobRecord('mine', { host: 'test-host' });
    await jobRecord('theirs', { host: 'another-host' });
    const { config, env } = await daemonConfig();
    const daemon = await TestDaemon.start(config, socketOf(pb.dir), { env });
    await daemon.waitUntilIdle();
    expect(await jobIds(daemon)).to.deep.equal(['local', 'mine', 'photos']);
    const status = await daemon.status();
    expect(status.pocketbase).to.include({ url: pb.server.url, fromCache: false });
    expect(
      daemon.logged(
        /PocketBase: sync_jobs record \w+ \(job_id "bad"\) skipped: "relative" must be an absolute path/,
      ),
    ).to.have.length(1);

    await daemon.call('trigger', { job: 'photos' });
    await waitFor(() => fs.existsSync(path.join(pb.dir, 'photos', 'mirror', 'a.txt')), {
      what: 'the photos mirror',
    });

    // An edit in the dashboard: a new job, then the first one's destination, then a delete.
    const started = Date.now();
    await jobRecord('music');
    await waitFor(async () => (await jobIds(daemon)).includes('music'), {
      what: 'the new job',
      timeoutMs: 2000,
    });
    expect(Date.now() - started).to.be.below(2000);
    await pb.admin
      .collection('sync_jobs')
      .update(record.id, { destination_path: path.join(pb.dir, 'photos', 'mirror-2') });
    await waitFor(
      async () => {
        const job = (await daemon.status()).jobs.find((candidate) => candidate.id === 'photos');
        return job?.state === 'idle' && job.restarts > 0;
      },
      { what: 'the edited job restarted', timeoutMs: 5000 },
    );
    await pb.admin.collection('sync_jobs').delete(record.id);
    await waitFor(async () => !(await jobIds(daemon)).includes('photos'), {
      what: 'the deleted job gone',
      timeoutMs: 2000,
    });
  });

  it('keeps syncing from its cached copy while PocketBase is down, and starts from it too', async () => {
    await jobRecord('photos');
    const { config, env } = await daemonConfig();
    const daemon = await TestDaemon.start(config, socketOf(pb.dir), { env });
    await daemon.waitUntilIdle();
    await pb.server.stop();
    await daemon.call('reload');
    expect(await jobIds(daemon)).to.deep.equal(['local', 'photos']);
    const status = await daemon.status();
    expect(status.pocketbase?.fromCache).to.equal(true);
    expect(status.pocketbase?.problem).to.include(`cannot reach PocketBase at ${pb.server.url}`);
    await daemon.call('trigger', { job: 'photos' });
    await waitFor(() => fs.existsSync(path.join(pb.dir, 'photos', 'mirror', 'a.txt')), {
      what: 'a sync while down',
    });
    await daemon.stop();

    const restarted = await TestDaemon.start(config, socketOf(pb.dir), { env });
    await restarted.waitUntilIdle();
    expect(await jobIds(restarted)).to.deep.equal(['local', 'photos']);
    expect((await restarted.status()).pocketbase?.fromCache).to.equal(true);

    // Back: an edit made now reaches the daemon (the poll or realtime, whichever comes first).
    await pb.server.serve();
    await pb.admin.collection('_superusers').authWithPassword(pb.server.adminEmail, pb.server.adminPassword);
    // Realtime, which could not be made while it was down, is made now; what changed meanwhile is read.
    await jobRecord('music');
    await waitFor(async () => (await jobIds(restarted)).includes('music'), {
      what: 'the job made after the outage',
      timeoutMs: 10_000,
    });
    expect((await restarted.status()).pocketbase?.fromCache).to.equal(false);
  });

  it('runs with an account made for daemons, refreshing its token before it expires', async () => {
    const accounts = await pb.admin.collections.getOne('sync_daemons');
    // Tokens of this collection last 10 s (PocketBase's least): each read refreshes the token first.
    await pb.admin.collections.update(accounts.id, { authToken: { ...accounts.authToken, duration: 10 } });
    const account = await pb.server.daemonAccount('daemon@example.com');
    const config = await writeDaemonConfig(pb.dir, [{ id: 'local' }], {
      extra: pb.server.configSection({
        account: ['admin_email = "daemon@example.com"', 'auth_collection = "sync_daemons"'],
      }),
    });
    const env = { SYNC_DAEMON_POCKETBASE_PASSWORD: account.password };
    await jobRecord('photos');
    const daemon = await TestDaemon.start(config, socketOf(pb.dir), { env });
    await daemon.waitUntilIdle();
    expect(await jobIds(daemon)).to.deep.equal(['local', 'photos']);
    await jobRecord('music');
    await daemon.call('reload');
    expect(await jobIds(daemon)).to.deep.equal(['local', 'music', 'photos']);
    expect((await daemon.status()).pocketbase).to.include({ fromCache: false });
  });

  it('uses what it fetched even when its copy for outages cannot be written', async () => {
    await jobRecord('photos');
    const notAFolder = path.join(pb.dir, 'cache-is-a-file');
    fs.writeFileSync(notAFolder, 'x');
    const settings = configSchema.parse({
      pocketbase: {
        url: pb.server.url,
        admin_email: pb.server.adminEmail,
        admin_password: pb.server.adminPassword,
      },
    }).pocketbase;
    if (!settings) throw new Error('no settings');
    const source = new PocketBaseSource(settings, {
      url: pb.server.url,
      cacheDir: notAFolder,
      cacheTtlSecs: 300,
    });
    try {
      const records = await source.records();
      expect(records.jobs.map((record) => record.job_id)).to.deep.equal(['photos']);
      expect(records.fromCache).to.equal(false);
      expect(records.problem).to.include('the copy for outages could not be written');
    } finally {
      await source.close();
    }
  });

  it('runs the file’s jobs, and says why, when its credentials are refused', async () => {
    await jobRecord('photos');
    const { config, env } = await daemonConfig('wrong-password-1');
    const daemon = await TestDaemon.start(config, socketOf(pb.dir), { env });
    await daemon.waitUntilIdle();
    expect(await jobIds(daemon)).to.deep.equal(['local']);
    expect((await daemon.status()).pocketbase?.problem).to.include(
      `PocketBase at ${pb.server.url} refused signing in as ${pb.server.adminEmail} (_superusers)`,
    );
    expect(daemon.logged(/^PocketBase: PocketBase at .* refused signing in/)).to.have.length(1);
  });
});
