import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { TriggerReply } from '../../src/control/daemon-api.js';
import { socketOf, TestDaemon, type TestJob, writeDaemonConfig } from '../helpers/daemon.js';
import { usePocketBaseServer } from '../helpers/pocketbase-server.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { sampleValue } from '../telemetry/metrics/exposition.js';

/** A log record by what identifies it in both places: its time, message, job and run. */
const keyOf = (time: unknown, message: unknown, job: unknown, runId: unknown) =>
  [String(time).replace(' ', 'T'), message, job ?? '', runId ?? ''].join('|');

describe('the fleet in PocketBase: heartbeats, runs and logs (a real PocketBase server)', function () {
  this.timeout(120_000);
  this.slow(15_000);
  const pb = usePocketBaseServer({ batchApi: true });

  /** A daemon folder with its config: `jobs` in the file, [pocketbase] pointing at the test server. */
  async function daemonConfig(
    name: string,
    jobs: readonly TestJob[],
    { host = name, pocketbase = [] as string[], url = pb.server.url, account = [] as string[] } = {},
  ): Promise<{ config: string; socket: string; folder: string }> {
    const folder = path.join(pb.dir, name);
    fs.mkdirSync(folder);
    const config = await writeDaemonConfig(folder, jobs, {
      daemon: `host = "${host}"`,
      extra: pb.server.configSection({
        url,
        account: account.length ? account : undefined,
        extra: ['heartbeat_interval_secs = 1', ...pocketbase],
      }),
    });
    return { config, socket: socketOf(folder), folder };
  }

  /** Runs each job once and waits for every run's end. */
  async function syncAll(daemon: TestDaemon, jobs: readonly string[]): Promise<void> {
    const replies = await Promise.all(
      jobs.map((job) => daemon.call('trigger', { job }) as Promise<TriggerReply>),
    );
    for (const reply of replies)
      await waitFor(
        async () =>
          (
            (await daemon.call('run', { job: reply.job, runId: reply.runId, waitMs: 5000 })) as {
              state: string;
            }
          ).state === 'done',
        { what: `run ${reply.runId} to end`, timeoutMs: 30_000 },
      );
  }

  /** The daemon's own records at info and above (its stdout), as keys. */
  const stdoutKeys = (daemon: TestDaemon) =>
    daemon.lines
      .filter((line) => typeof line.level === 'number' && line.level >= 30)
      .map((line) => keyOf(line.time, line.msg, line.job, line.runId));

  async function serverLogKeys(host: string): Promise<string[]> {
    const records = await pb.admin
      .collection('daemon_logs')
      .getFullList({ filter: pb.admin.filter('host = {:host}', { host }), batch: 1000 });
    return records.map((record) =>
      keyOf(record.time, record.message, record.sync_job || '', record.run_id || ''),
    );
  }

  const sorted = (keys: string[]) => [...keys].sort();

  /** Waits until PocketBase holds the host's records as `expected` says (the daemon may still be logging). */
  async function expectSameRecords(host: string, expected: () => string[]): Promise<void> {
    // Once they match, they did: the daemon may log again right after (a reload once PocketBase is back), and
    // that record's upload is the next moment's business. Past the deadline, the last look is the diff.
    let last = { stored: [] as string[], logged: [] as string[] };
    await waitFor(
      async () => {
        const logged = sorted(expected());
        last = { stored: sorted(await serverLogKeys(host)), logged };
        return JSON.stringify(last.stored) === JSON.stringify(last.logged);
      },
      { what: `the records of ${host} in PocketBase`, timeoutMs: 30_000, intervalMs: 250 },
    ).catch(() => undefined);
    expect(last.stored).to.deep.equal(last.logged);
  }

  it('each daemon runs its own host’s jobs and heartbeats; fleet shows them alive, then stopped', async () => {
    for (const host of ['alpha', 'beta']) {
      const source = path.join(pb.dir, `${host}-source`);
      fs.mkdirSync(source);
      fs.writeFileSync(path.join(source, 'a.txt'), host);
      await pb.admin.collection('sync_jobs').create({
        job_id: `job-${host}`,
        source_path: source,
        destination_path: path.join(pb.dir, `${host}-mirror`),
        enabled: true,
        host,
      });
    }
    const alpha = await daemonConfig('alpha', []);
    // Beta signs in with an account made for daemons, which may write its own records only.
    const betaAccount = await pb.server.daemonAccount('beta@example.com');
    const beta = await daemonConfig('beta', [], {
      account: [
        'admin_email = "beta@example.com"',
        `admin_password = "${betaAccount.password}"`,
        'auth_collection = "sync_daemons"',
      ],
    });
    const daemons = {
      alpha: await TestDaemon.start(alpha.config, alpha.socket),
      beta: await TestDaemon.start(beta.config, beta.socket),
    };
    expect((await daemons.alpha.status()).jobs.map((job) => job.id)).to.deep.equal(['job-alpha']);
    expect((await daemons.beta.status()).jobs.map((job) => job.id)).to.deep.equal(['job-beta']);
    await syncAll(daemons.alpha, ['job-alpha']);

    // From any machine with the config's [pocketbase]: here, the first daemon's config.
    let fleet: { host: string; liveness: string; jobs: { id: string; lastRun?: { outcome: string } }[] }[] =
      [];
    await waitFor(
      async () => {
        const result = await runCli(['fleet', '--json', '--config', alpha.config]);
        fleet = JSON.parse(result.stdout).daemons;
        return (
          fleet.length === 2 && fleet[0]?.jobs[0]?.lastRun?.outcome === 'ok' && fleet[1]?.jobs.length === 1
        );
      },
      { what: 'both daemons, and alpha’s run, in the fleet', timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(
      fleet.map((daemon) => [daemon.host, daemon.liveness, daemon.jobs.map((job) => job.id)]),
    ).to.deep.equal([
      ['alpha', 'alive', ['job-alpha']],
      ['beta', 'alive', ['job-beta']],
    ]);
    const status = await daemons.alpha.status();
    expect(status.fleet?.heartbeatAt, 'status says when the last heartbeat was taken').to.be.a('string');
    // Beta, started second, read the fleet at its first heartbeat: alpha and itself.
    await waitFor(async () => (await daemons.beta.status()).fleet?.daemons?.alive === 2, {
      what: 'beta to see two daemons alive',
      timeoutMs: 10_000,
    });

    await daemons.beta.stop();
    const table = await runCli(['fleet', '--config', alpha.config]);
    expect(table.exitCode, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/^alpha +alive /m);
    expect(table.stdout).to.match(/^beta +stopped /m);
    expect(table.stdout).to.include('  job-alpha: idle, last run ok');
    expect(table.stdout).to.include('2 daemon(s): 1 alive, 1 stopped');

    const runs = await runCli(['fleet', 'runs', '--host', 'alpha', '--json', '--config', beta.config]);
    expect(
      JSON.parse(runs.stdout).runs.map((run: { jobId: string; outcome: string }) => [run.jobId, run.outcome]),
    ).to.deep.equal([['job-alpha', 'ok']]);
  });

  it('keeps every record through a server crash as 10 jobs sync, and stores each exactly once', async () => {
    const jobs = Array.from({ length: 10 }, (_, index) => ({ id: `job-${index}` }));
    const { config, socket } = await daemonConfig('crash', jobs);
    const daemon = await TestDaemon.start(config, socket);
    await daemon.waitUntilIdle();
    const ids = jobs.map((job) => job.id);
    // The server crashes while the runs go on and log.
    const syncing = syncAll(daemon, ids);
    await pb.server.stop('SIGKILL');
    await syncing;
    await syncAll(daemon, ids);
    await waitFor(async () => (await daemon.status()).fleet?.problem !== undefined, {
      what: 'the daemon to notice the server gone',
      timeoutMs: 10_000,
    });
    expect((await daemon.status()).fleet?.spooled).to.be.above(0);

    await pb.server.serve();
    await expectSameRecords('crash', () => stdoutKeys(daemon));
    const runs = await pb.admin.collection('sync_runs').getFullList({ filter: 'host = "crash"' });
    const ended = daemon.logged('sync ok').map((line) => line.runId);
    expect(ended).to.have.length(20);
    expect(sorted(runs.map((run) => run.run_id))).to.deep.equal(sorted(ended.map(String)));
    const status = await daemon.status();
    expect(status.fleet).to.include({ spooled: 0, dropped: 0, rejected: 0 });
    expect(status.fleet?.problem).to.equal(undefined);
  });

  it('stores each record once when the daemon is killed between an upload and its acknowledgement', async () => {
    const jobs = [{ id: 'docs' }, { id: 'photos' }];
    const { config, socket, folder } = await daemonConfig('killed', jobs);
    const gate = path.join(folder, 'gate');
    fs.mkdirSync(gate);
    // The server is down at first: the records pile up, then the first batch is held after it was stored.
    await pb.server.stop();
    const first = await TestDaemon.start(config, socket, { env: { SYNC_DAEMON_TEST_UPLOAD_GATE: gate } });
    await syncAll(first, ['docs', 'photos', 'docs']);
    await pb.server.serve();
    await waitFor(() => fs.existsSync(path.join(gate, 'reached')), {
      what: 'an upload to be held before its acknowledgement',
      timeoutMs: 20_000,
    });
    first.child.kill('SIGKILL');
    await first.waitForExit();
    const spoolDir = path.join(folder, 'cache', 'pocketbase-spool');
    const spooled = fs
      .readdirSync(spoolDir)
      .filter((name) => name.endsWith('.jsonl'))
      .flatMap((name) => fs.readFileSync(path.join(spoolDir, name), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { c: string; r: { id: string } });
    const stored = await pb.admin.collection('daemon_logs').getFullList({ filter: 'host = "killed"' });
    expect(stored.length, 'the held batch was stored').to.be.above(0);

    const second = await TestDaemon.start(config, socket);
    await expectSameRecords('killed', () => [...stdoutKeys(first), ...stdoutKeys(second)]);
    const logs = await pb.admin
      .collection('daemon_logs')
      .getFullList({ filter: 'host = "killed"', batch: 1000 });
    const runs = await pb.admin.collection('sync_runs').getFullList({ filter: 'host = "killed"' });
    const storedIds = new Set([...logs, ...runs].map((record) => record.id));
    const spooledIds = spooled.map((line) => line.r.id);
    expect(
      spooledIds.filter((id) => !storedIds.has(id)),
      'spooled but not stored',
    ).to.deep.equal([]);
    expect(runs.map((run) => run.run_id).sort()).to.deep.equal(
      first
        .logged('sync ok')
        .map((line) => String(line.runId))
        .sort(),
    );
    // Nothing else: the first daemon's records and the second's own, each once.
    expect(logs.length).to.equal(
      spooled.filter((line) => line.c === 'daemon_logs').length + stdoutKeys(second).length,
    );
  });

  it('uploads one record per request where the batch API is off, and says so once', async () => {
    await pb.admin.settings.update({ batch: { enabled: false } });
    const { config, socket } = await daemonConfig('single', [{ id: 'docs' }, { id: 'photos' }]);
    const daemon = await TestDaemon.start(config, socket);
    await syncAll(daemon, ['docs', 'photos']);
    await syncAll(daemon, ['docs']);
    await expectSameRecords('single', () => stdoutKeys(daemon));
    expect(daemon.logged(/batch API off/)).to.have.length(1);
    const runs = await pb.admin.collection('sync_runs').getFullList({ filter: 'host = "single"' });
    expect(runs).to.have.length(3);
  });

  it('sends smaller batches to a server that takes fewer requests per batch', async () => {
    await pb.admin.settings.update({ batch: { enabled: true, maxRequests: 3 } });
    const { config, socket } = await daemonConfig('small', [{ id: 'docs' }, { id: 'photos' }]);
    // A backlog, so that a batch has more than 3 records.
    await pb.server.stop();
    const daemon = await TestDaemon.start(config, socket);
    await syncAll(daemon, ['docs', 'photos']);
    await pb.server.serve();
    await expectSameRecords('small', () => stdoutKeys(daemon));
    expect(daemon.logged(/takes 3 requests per batch/)).to.have.length(1);
    expect(daemon.logged(/batch API off/)).to.have.length(0);
    expect((await daemon.status()).fleet).to.include({ rejected: 0, dropped: 0 });
  });

  it('drops the oldest records past spool_max_records, counts them, and says so once', async () => {
    const { config, socket, folder } = await daemonConfig('bounded', [{ id: 'docs' }], {
      url: 'http://127.0.0.1:9',
      pocketbase: ['spool_max_records = 20'],
    });
    const daemon = await TestDaemon.start(config, socket);
    for (let round = 0; round < 8; round++) await syncAll(daemon, ['docs']);
    const status = await daemon.status();
    expect(status.fleet?.spooled).to.be.at.most(20);
    expect(status.fleet?.dropped).to.be.above(0);
    expect(daemon.logged(/upload spool full/)).to.have.length(1);
    const metrics = await (await fetch(`http://${status.metrics?.address}/metrics`)).text();
    expect(sampleValue(metrics, 'sync_daemon_pocketbase_spool_dropped_total')).to.equal(
      status.fleet?.dropped,
    );

    // What is left is the newest: the last records the daemon logged, in order.
    const spoolDir = path.join(folder, 'cache', 'pocketbase-spool');
    const spooledLogs = fs
      .readdirSync(spoolDir)
      .filter((name) => name.endsWith('.jsonl'))
      .sort()
      .flatMap((name) => fs.readFileSync(path.join(spoolDir, name), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { c: string; r: Record<string, unknown> })
      .filter((line) => line.c === 'daemon_logs')
      .map(({ r }) => keyOf(r.time, r.message, r.sync_job || undefined, r.run_id || undefined));
    const logged = stdoutKeys(daemon);
    expect(spooledLogs).to.deep.equal(logged.slice(logged.length - spooledLogs.length));
  });

  it('fleet says what is wrong: no [pocketbase] in the config (exit 2), the server down (exit 1)', async () => {
    const plain = path.join(pb.dir, 'plain.toml');
    fs.writeFileSync(plain, '[daemon]\nlog_level = "info"\n');
    const missing = await runCli(['fleet', '--config', plain]);
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.include(`${plain} has no [pocketbase] section`);
    const { config } = await daemonConfig('nobody', []);
    const down = await runCli(['fleet', 'runs', '--config', config, '--url', 'http://127.0.0.1:9']);
    expect(down.exitCode).to.equal(1);
    expect(down.stderr).to.include('cannot reach PocketBase at http://127.0.0.1:9');
  });

  it('prunes its own host’s runs and logs past retention_days, and nobody else’s', async () => {
    const account = pb.admin.authStore.record?.id ?? '';
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const recent = new Date().toISOString();
    const run = (host: string, finished: string, id: string) =>
      pb.admin.collection('sync_runs').create({
        account,
        host,
        job_id: 'docs',
        run_id: id,
        outcome: 'ok',
        finished_at: finished,
      });
    const log = (host: string, time: string) =>
      pb.admin
        .collection('daemon_logs')
        .create({ account, host, level: 'info', time, message: `at ${time}` });
    await run('pruner', old, 'old-own');
    await run('pruner', recent, 'recent-own');
    await run('elsewhere', old, 'old-other');
    await log('pruner', old);
    await log('elsewhere', old);
    const { config, socket } = await daemonConfig('pruner', [], { pocketbase: ['retention_days = 1'] });
    const daemon = await TestDaemon.start(config, socket);
    await waitFor(async () => daemon.logged(/old runs and logs pruned/).length === 1, {
      what: 'the daemon to prune',
      timeoutMs: 15_000,
    });
    expect(daemon.logged(/old runs and logs pruned/)[0]?.pruned).to.deep.equal({
      sync_runs: 1,
      daemon_logs: 1,
    });
    const runs = await pb.admin.collection('sync_runs').getFullList({ sort: 'run_id' });
    expect(runs.map((record) => record.run_id)).to.deep.equal(['old-other', 'recent-own']);
    const logs = await pb.admin
      .collection('daemon_logs')
      .getFullList({ filter: `time < "${recent.replace('T', ' ')}"` });
    expect(logs.map((record) => record.host)).to.deep.equal(['elsewhere']);
  });
});
