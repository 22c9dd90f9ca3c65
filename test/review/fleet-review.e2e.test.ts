// Review of issue 12 (the fleet): failing tests against a real PocketBase, the reporter in this process.
import { expect } from 'chai';
import PocketBase from 'pocketbase';
import type { RunSummary } from '../../src/control/daemon-api.js';
import { FleetReporter } from '../../src/pocketbase/fleet-reporter.js';
import { recordId } from '../../src/pocketbase/record-id.js';
import { enableBatchApi, setupCollections } from '../../src/pocketbase/setup-collections.js';
import { DaemonMetrics } from '../../src/telemetry/metrics/daemon-metrics.js';
import { PocketBaseServer, pocketbaseBinary } from '../helpers/pocketbase-server.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { sampleValue } from '../telemetry/metrics/exposition.js';
import { captureLogger, settings } from './review-helpers.js';

const run = (runId: string): RunSummary =>
  ({
    runId,
    reasons: ['manual'],
    dryRun: false,
    outcome: 'ok',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 1,
    stats: { copied: 0, updated: 0, deleted: 0, skipped: 0, errors: 0, bytesCopied: 0 },
    errors: [],
    errorsOmitted: 0,
    warnings: [],
  }) as unknown as RunSummary;

describe('fleet review against a real PocketBase: problems found', function () {
  this.timeout(90_000);
  let server: PocketBaseServer;
  let admin: PocketBase;
  let dir: string;
  const reporters: FleetReporter[] = [];

  before(function () {
    if (!pocketbaseBinary()) this.skip();
  });
  beforeEach(async () => {
    server = await PocketBaseServer.start();
    dir = await makeTempDir();
    admin = new PocketBase(server.url);
    await admin.collection('_superusers').authWithPassword(server.adminEmail, server.adminPassword);
    await setupCollections(admin);
    await enableBatchApi(admin);
  });
  afterEach(async () => {
    for (const reporter of reporters.splice(0)) await reporter.close({ stopped: false });
    await server.stop();
    await removeTempDirs();
  });

  function reporter(host: string, extra: Parameters<typeof settings>[1] = {}, metrics?: DaemonMetrics) {
    const made = new FleetReporter({
      settings: settings(server.url, { timeout_secs: 5, ...extra }),
      url: server.url,
      host,
      cacheDir: `${dir}/${host}`,
      version: '0',
      startedAt: new Date(),
      logger: captureLogger().logger,
      metrics,
      jobs: () => [],
    });
    reporters.push(made);
    return made;
  }

  it('sync_daemon_pocketbase_spool_records goes back to 0 once everything is uploaded', async () => {
    const metrics = new DaemonMetrics({ version: '0' });
    const fleet = reporter('gauge', {}, metrics);
    fleet.start();
    fleet.runFinished('docs', run('docs-1'));
    await waitFor(() => fleet.status().uploaded === 1 && fleet.status().spooled === 0, {
      what: 'the run uploaded',
      timeoutMs: 10_000,
    });
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, 'sync_daemon_pocketbase_spool_records')).to.equal(0);
  });

  it('stops pruning once closed (a long prune keeps the stopped daemon alive)', async () => {
    const account = admin.authStore.record?.id ?? '';
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    for (let start = 0; start < 3000; start += 50) {
      const batch = admin.createBatch();
      for (let n = start; n < start + 50; n++)
        batch
          .collection('daemon_logs')
          .create({ account, host: 'pruner', level: 'info', time: old, message: `${n}` });
      await batch.send();
    }
    const count = async () =>
      (await admin.collection('daemon_logs').getList(1, 1, { filter: 'host = "pruner"' })).totalItems;
    const fleet = reporter('pruner', { retention_days: 1 });
    fleet.start();
    fleet.startHeartbeats();
    await waitFor(async () => (await count()) < 2900, { what: 'pruning to start', timeoutMs: 20_000 });
    await fleet.close({ stopped: true });
    const atClose = await count();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await count(), `${atClose} left when close() resolved`).to.equal(atClose);
  });

  it('a run whose id another account holds already is not counted as uploaded (it is not there)', async () => {
    await admin.collection('users').create({
      email: 'other@example.com',
      password: 'other-password-1',
      passwordConfirm: 'other-password-1',
    });
    const other = new PocketBase(server.url);
    await other.collection('users').authWithPassword('other@example.com', 'other-password-1');
    // Another account (buggy, or hostile: ids are derived from public parts) holds the id first.
    await other.collection('sync_runs').create({
      id: recordId('run', 'alpha', 'docs-1'),
      account: other.authStore.record?.id,
      host: 'alpha',
      job_id: 'docs',
      run_id: 'docs-1',
      outcome: 'failed',
      finished_at: new Date().toISOString(),
    });
    const fleet = reporter('alpha');
    fleet.start();
    fleet.runFinished('docs', run('docs-1'));
    await waitFor(() => fleet.status().spooled === 0, { what: 'the spool drained', timeoutMs: 10_000 });
    const stored = await admin.collection('sync_runs').getOne(recordId('run', 'alpha', 'docs-1'));
    const ours = stored.account === admin.authStore.record?.id;
    expect(
      ours || fleet.status().rejected > 0 || fleet.status().problem !== undefined,
      `status ${JSON.stringify(fleet.status())}, stored outcome ${stored.outcome} by another account`,
    ).to.equal(true);
  });

  it('uploads a record spooled while a drain is finishing (after its last take)', async () => {
    const fleet = reporter('late');
    const spool = (fleet as unknown as { spool: { take: (max: number) => unknown } }).spool;
    const take = spool.take.bind(spool);
    let once = true;
    spool.take = (max: number) => {
      const lease = take(max);
      if (!lease && once) {
        once = false;
        // Another promise chain logs in the same microtask checkpoint, before the drain's finally runs.
        queueMicrotask(() => fleet.runFinished('docs', run('docs-late')));
      }
      return lease;
    };
    fleet.start();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fleet.status().spooled, 'the record spooled then is still waiting').to.equal(0);
  });

  it('an account cannot write in another host’s name (runs, or its daemons record)', async () => {
    // Any visitor: PocketBase's users collection lets anyone sign up (createRule ""), setup leaves it so.
    const visitor = new PocketBase(server.url);
    await visitor.collection('users').create({
      email: 'visitor@example.com',
      password: 'visitor-password-1',
      passwordConfirm: 'visitor-password-1',
    });
    await visitor.collection('users').authWithPassword('visitor@example.com', 'visitor-password-1');
    const account = visitor.authStore.record?.id;
    const refused = async (action: () => Promise<unknown>) =>
      action().then(
        () => false,
        () => true,
      );
    expect(
      await refused(() =>
        visitor.collection('daemons').create({ id: recordId('daemon', 'alpha'), account, host: 'alpha' }),
      ),
      'the daemons record of host alpha, squatted before alpha starts',
    ).to.equal(true);
    expect(
      await refused(() =>
        visitor.collection('sync_runs').create({
          account,
          host: 'alpha',
          job_id: 'docs',
          run_id: 'forged',
          outcome: 'ok',
          finished_at: new Date().toISOString(),
        }),
      ),
      'a run of host alpha, forged',
    ).to.equal(true);
  });
});
