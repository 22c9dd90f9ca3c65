import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import PocketBase from 'pocketbase';
import { type PocketBaseServer, usePocketBaseServer } from '../helpers/pocketbase-server.js';
import { runCli } from '../helpers/run-cli.js';

function writeConfig(
  dir: string,
  server: PocketBaseServer,
  overrides: { password?: string; url?: string } = {},
) {
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(
    file,
    [
      '[pocketbase]',
      `url = "${overrides.url ?? server.url}"`,
      `admin_email = "${server.adminEmail}"`,
      `admin_password = "${overrides.password ?? server.adminPassword}"`,
      'timeout_secs = 5',
      '[daemon]',
      `socket_path = "${path.join(dir, 'run', 'daemon.sock')}"`,
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

describe('pocketbase setup (a real PocketBase server)', function () {
  this.timeout(60_000);
  this.slow(5000);
  const pb = usePocketBaseServer({ setup: false });

  it('creates the collections, then finds them up to date, and a missing field is added back', async () => {
    const running = pb.server;
    const config = writeConfig(pb.dir, running);
    const first = await runCli(['pocketbase', 'setup', '--config', config]);
    expect(first.exitCode, first.stderr).to.equal(0);
    expect(first.stdout).to.equal(
      [
        'sync_daemons: created',
        'sync_jobs: created',
        'file_watchers: created',
        'sync_runs: created',
        'daemon_logs: created',
        'daemons: created',
        'batch API: turned on (daemons upload runs and logs in batches of up to 50)',
        '',
      ].join('\n'),
    );
    const again = await runCli(['pocketbase', 'setup', '--config', config, '--json']);
    expect(again.exitCode, again.stderr).to.equal(0);
    const result = JSON.parse(again.stdout);
    expect(result.collections.map((collection: { outcome: string }) => collection.outcome)).to.deep.equal([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(result.batchApi).to.deep.equal({ enabled: 'already', maxRequests: 50 });

    // Someone removed a field in the dashboard and loosened a rule: setup puts them back, keeping their own field.
    const admin = await running.admin();
    const jobs = await admin.collections.getOne('sync_jobs');
    await admin.collections.update(jobs.id, {
      fields: [...jobs.fields.filter((field) => field.name !== 'host'), { name: 'notes', type: 'text' }],
      createRule: '',
    });
    const repaired = await runCli(['pocketbase', 'setup', '--config', config]);
    expect(repaired.stdout).to.equal(
      [
        'sync_daemons: up to date',
        'sync_jobs: updated (field host added; createRule set to superusers only)',
        'file_watchers: up to date',
        'sync_runs: up to date',
        'daemon_logs: up to date',
        'daemons: up to date',
        'batch API: on',
        '',
      ].join('\n'),
    );
    const fields = (await admin.collections.getOne('sync_jobs')).fields.map((field) => field.name);
    expect(fields).to.include.members(['job_id', 'host', 'notes', 'filters', 'schedule', 'sync_options']);
  });

  it('lets an account made for daemons read jobs and nothing more', async () => {
    const running = pb.server;
    expect(
      (await runCli(['pocketbase', 'setup', '--config', writeConfig(pb.dir, running)])).exitCode,
    ).to.equal(0);
    const admin = await running.admin();
    await admin.collection('sync_jobs').create({ job_id: 'docs', source_path: '/s', destination_path: '/d' });
    const { client: daemon } = await running.daemonAccount('daemon@example.com');
    const records = await daemon.collection('sync_jobs').getFullList();
    expect(records.map((record) => record.job_id)).to.deep.equal(['docs']);
    const refusals = await Promise.all(
      [
        daemon
          .collection('sync_jobs')
          .create({ job_id: 'evil', source_path: '/', destination_path: '/tmp/x' }),
        daemon.collection('sync_jobs').update(records[0]?.id ?? '', { destination_path: '/tmp/y' }),
        daemon.collection('sync_jobs').delete(records[0]?.id ?? ''),
        daemon.collection('file_watchers').create({ watcher_id: 'w', sync_job_id: 'docs' }),
      ].map((request) =>
        request.then(
          () => 'allowed',
          (error: { status: number }) => error.status,
        ),
      ),
    );
    expect(refusals, 'create, update, delete of a job; create of a watcher').to.deep.equal([
      403, 403, 403, 403,
    ]);
    const anonymous = await new PocketBase(running.url).collection('sync_jobs').getFullList();
    expect(anonymous).to.deep.equal([]);
  });

  it('lets an account made for daemons write its own runs, logs and heartbeat, and nobody else’s', async () => {
    const running = pb.server;
    expect(
      (await runCli(['pocketbase', 'setup', '--config', writeConfig(pb.dir, running)])).exitCode,
    ).to.equal(0);
    const signIn = (email: string, host = '') => running.daemonAccount(email, { host });
    const mine = await signIn('a@example.com');
    const theirs = await signIn('b@example.com');
    const outcome = (request: Promise<unknown>) =>
      request.then(
        () => 'allowed',
        (error: { status: number }) => error.status,
      );
    const run = (account: string) => ({
      account,
      host: 'a',
      job_id: 'docs',
      run_id: `docs-${account}`,
      outcome: 'ok',
      finished_at: new Date().toISOString(),
    });
    const log = (account: string) => ({ account, host: 'a', level: 'info', time: new Date().toISOString() });
    const beat = (account: string) => ({ account, host: 'a', last_heartbeat: new Date().toISOString() });

    const ownRun = await mine.client.collection('sync_runs').create(run(mine.id));
    const ownLog = await mine.client.collection('daemon_logs').create(log(mine.id));
    const ownBeat = await mine.client.collection('daemons').create(beat(mine.id));
    expect(
      await Promise.all([
        outcome(mine.client.collection('sync_runs').create(run(theirs.id))),
        outcome(mine.client.collection('daemon_logs').create(log(theirs.id))),
        outcome(mine.client.collection('sync_runs').update(ownRun.id, { outcome: 'failed' })),
        outcome(theirs.client.collection('daemons').update(ownBeat.id, beat(theirs.id))),
        outcome(mine.client.collection('daemons').update(ownBeat.id, { account: theirs.id })),
        outcome(theirs.client.collection('sync_runs').delete(ownRun.id)),
        outcome(mine.client.collection('daemons').delete(ownBeat.id)),
      ]),
      'runs and logs in another’s name, a run changed, a heartbeat of another, the heartbeat given away, a run of another pruned, a heartbeat deleted',
    ).to.deep.equal([400, 400, 403, 404, 404, 404, 403]);
    expect(await outcome(mine.client.collection('daemons').update(ownBeat.id, beat(mine.id)))).to.equal(
      'allowed',
    );
    expect(await outcome(mine.client.collection('daemon_logs').delete(ownLog.id))).to.equal('allowed');
    expect(
      await outcome(mine.client.collection('daemons').update(ownBeat.id, { host: 'elsewhere' })),
      'a heartbeat moved to another host',
    ).to.equal(404);

    // An account pinned to its host (its `host` set) writes in that host's name only.
    const pinned = await signIn('c@example.com', 'c');
    const forHost = (host: string) => ({ ...run(pinned.id), host, run_id: `for-${host}` });
    expect(await outcome(pinned.client.collection('sync_runs').create(forHost('c')))).to.equal('allowed');
    expect(await outcome(pinned.client.collection('sync_runs').create(forHost('a')))).to.equal(400);
    expect(
      await outcome(pinned.client.collection('daemons').create({ ...beat(pinned.id), host: 'a2' })),
      'the heartbeat of a host not started yet, squatted',
    ).to.equal(400);

    // Daemon accounts read the fleet (`sync-daemon fleet` from any machine); nobody else does: not a visitor
    // who signed up to PocketBase's own users (open to all), nor anyone signed out.
    expect((await theirs.client.collection('sync_runs').getFullList()).length).to.equal(2);
    const visitor = new PocketBase(running.url);
    await visitor.collection('users').create({
      email: 'v@example.com',
      password: 'visitor-password-1',
      passwordConfirm: 'visitor-password-1',
    });
    await visitor.collection('users').authWithPassword('v@example.com', 'visitor-password-1');
    const visitorId = visitor.authStore.record?.id ?? '';
    expect(await visitor.collection('sync_runs').getFullList()).to.deep.equal([]);
    expect(await visitor.collection('sync_jobs').getFullList()).to.deep.equal([]);
    expect(await outcome(visitor.collection('sync_runs').create(run(visitorId)))).to.equal(400);
    expect(await outcome(visitor.collection('daemons').create({ ...beat(visitorId), host: 'a3' }))).to.equal(
      400,
    );
    expect(await new PocketBase(running.url).collection('daemons').getFullList()).to.deep.equal([]);
    expect(
      await outcome(
        new PocketBase(running.url)
          .collection('sync_daemons')
          .create({ email: 'x@example.com', password: 'x-password-123', passwordConfirm: 'x-password-123' }),
      ),
      'signing up as a daemon',
    ).to.equal(403);
  });

  it('says what is wrong with the credentials or the server, exit 1', async () => {
    const running = pb.server;
    const wrong = await runCli([
      'pocketbase',
      'setup',
      '--config',
      writeConfig(pb.dir, running, { password: 'nope-nope-nope' }),
    ]);
    expect(wrong.exitCode).to.equal(1);
    expect(wrong.stderr).to.include(
      `PocketBase at ${running.url} refused signing in as ${running.adminEmail} (_superusers)`,
    );

    const config = writeConfig(pb.dir, running);
    await running.stop();
    const down = await runCli(['pocketbase', 'setup', '--config', config]);
    expect(down.exitCode).to.equal(1);
    expect(down.stderr).to.include(`cannot reach PocketBase at ${running.url}`);
    const elsewhere = await runCli([
      'pocketbase',
      'setup',
      '--config',
      config,
      '--url',
      'http://127.0.0.1:9',
    ]);
    expect(elsewhere.stderr).to.include('cannot reach PocketBase at http://127.0.0.1:9');

    const noSection = path.join(pb.dir, 'plain.toml');
    fs.writeFileSync(noSection, '[daemon]\nlog_level = "info"\n');
    const missing = await runCli(['pocketbase', 'setup', '--config', noSection]);
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.include(`${noSection} has no [pocketbase] section`);
  });
});
