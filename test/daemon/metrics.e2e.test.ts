import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { isAlive } from '../../src/supervisor/pid-file.js';
import { killTestDaemons, socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { isPromtoolInstalled } from '../helpers/promtool.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { sampleValue } from '../telemetry/metrics/exposition.js';

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

describe('metrics (real daemon, real HTTP)', function () {
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

  it('serves /metrics and /healthz, and every metric moves when its event happens', async () => {
    const config = await writeDaemonConfig(
      dir,
      [
        { id: 'docs', files: { 'a.txt': 'a', 'b.txt': 'bb' } },
        { id: 'watched' },
        { id: 'hourly', schedule: 'type = "interval"\ninterval = "1h"' },
      ],
      {
        extra: ['[[file_watchers]]', 'id = "w"', 'sync_job_id = "watched"', 'debounce_ms = 0'].join('\n'),
      },
    );
    const daemon = await TestDaemon.start(config, socketOf(dir));
    await daemon.waitUntilIdle();
    await waitFor(async () => (await daemon.status()).metrics?.listening === true, {
      what: 'the metrics server',
    });
    const base = `http://${(await daemon.status()).metrics?.address}`;
    const scrape = async () => (await get(`${base}/metrics`)).text;

    expect(await get(`${base}/healthz`)).to.deep.equal({ status: 200, text: 'ok\n' });
    // The period "no recent success" is measured in: an interval job's interval; a manual job has none.
    expect(
      sampleValue(await scrape(), 'sync_daemon_schedule_interval_seconds', { sync_job: 'hourly' }),
    ).to.equal(3600);
    expect(
      sampleValue(await scrape(), 'sync_daemon_schedule_interval_seconds', { sync_job: 'docs' }),
    ).to.equal(undefined);
    expect(sampleValue(await scrape(), 'sync_daemon_runner_up', { sync_job: 'docs' })).to.equal(1);

    await daemon.call('trigger', { job: 'docs' });
    await waitFor(
      async () =>
        sampleValue(await scrape(), 'sync_daemon_sync_runs_total', { sync_job: 'docs', result: 'ok' }) === 1,
      {
        what: 'the run counted',
      },
    );
    let text = await scrape();
    expect(sampleValue(text, 'sync_daemon_files_copied_total', { sync_job: 'docs' })).to.equal(2);
    expect(sampleValue(text, 'sync_daemon_bytes_copied_total', { sync_job: 'docs' })).to.equal(3);
    expect(sampleValue(text, 'sync_daemon_triggers_total', { sync_job: 'docs', reason: 'manual' })).to.equal(
      1,
    );
    expect(sampleValue(text, 'sync_daemon_sync_duration_seconds_count', { sync_job: 'docs' })).to.equal(1);
    expect(
      sampleValue(text, 'sync_daemon_last_successful_sync_timestamp_seconds', { sync_job: 'docs' }),
    ).to.be.closeTo(Date.now() / 1000, 60);

    // A rejected trigger: a paused job refuses it.
    await daemon.call('job.pause', { job: 'docs' });
    await daemon.call('trigger', { job: 'docs' }).catch(() => undefined);
    await daemon.call('job.resume', { job: 'docs' });
    expect(
      sampleValue(await scrape(), 'sync_daemon_triggers_rejected_total', {
        sync_job: 'docs',
        reason: 'paused',
      }),
    ).to.equal(1);

    // A watcher event, and the run it starts.
    fs.writeFileSync(path.join(dir, 'watched', 'source', 'new.txt'), 'new');
    await waitFor(
      async () =>
        (sampleValue(await scrape(), 'sync_daemon_watcher_events_total', {
          sync_job: 'watched',
          event: 'create',
        }) ?? 0) > 0,
      { what: 'the watcher event counted' },
    );
    expect(
      sampleValue(await scrape(), 'sync_daemon_watched_folders', { sync_job: 'watched' }),
    ).to.be.greaterThan(0);

    // A crash: the runner killed, restarted, counted.
    const pid = (await daemon.job('docs')).runnerPid as number;
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () =>
        sampleValue(await scrape(), 'sync_daemon_runner_restarts_total', { sync_job: 'docs' }) === 1,
      {
        what: 'the restart counted',
      },
    );
    await daemon.waitUntilIdle();
    await waitFor(
      async () =>
        (sampleValue(await scrape(), 'sync_daemon_runner_resident_memory_bytes', { sync_job: 'docs' }) ?? 0) >
        0,
      { what: 'the runner sampled', timeoutMs: 15_000 },
    );

    // A reload, good and bad; the bad one makes the daemon unhealthy until a good one.
    await daemon.call('reload');
    const good = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, `${good}\n[oops\n`);
    await daemon.call('reload').catch(() => undefined);
    text = await scrape();
    expect(sampleValue(text, 'sync_daemon_config_reloads_total', { result: 'ok' })).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_config_reloads_total', { result: 'failed' })).to.equal(1);
    const unhealthy = await get(`${base}/healthz`);
    expect(unhealthy.status).to.equal(503);
    expect(unhealthy.text).to.include('the last reload was refused');
    fs.writeFileSync(config, good);
    await daemon.call('reload');
    expect((await get(`${base}/healthz`)).status).to.equal(200);

    text = await scrape();
    expect(text).to.match(/^sync_daemon_build_info\{version="[^"]+",node_version="\d+/m);
    expect(sampleValue(text, 'sync_daemon_uptime_seconds')).to.be.greaterThan(0);
    expect(text).to.include('process_resident_memory_bytes');
    if (isPromtoolInstalled()) execFileSync('promtool', ['check', 'metrics'], { input: text });
  });

  it('drops every series of a job a reload removes, for good', async () => {
    const config = await writeDaemonConfig(dir, [{ id: 'kept' }, { id: 'gone' }]);
    const daemon = await TestDaemon.start(config, socketOf(dir));
    await daemon.waitUntilIdle();
    await waitFor(async () => (await daemon.status()).metrics?.listening === true, {
      what: 'the metrics server',
    });
    const url = `http://${(await daemon.status()).metrics?.address}/metrics`;
    expect((await get(url)).text).to.include('sync_job="gone"');
    const gonePid = (await daemon.job('gone')).runnerPid as number;
    const text = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, text.slice(0, text.indexOf('[[sync_jobs]]\nid = "gone"')));
    await daemon.call('reload');
    await waitFor(async () => (await daemon.status()).jobs.length === 1, { what: 'the job removed' });
    // Its runner's last states and usage samples come after the removal: none may bring a series back.
    await waitFor(() => !isAlive(gonePid), { what: 'the removed job’s runner to exit' });
    for (let scrape = 0; scrape < 3; scrape++)
      expect((await get(url)).text).to.not.include('sync_job="gone"');
    expect((await get(url)).text).to.include('sync_job="kept"');
  });

  it('keeps running when the metrics port is taken, says so once, and serves it once the address changes', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const config = await writeDaemonConfig(dir, [{ id: 'docs' }], {
        metrics: `address = "127.0.0.1:${taken}"`,
      });
      const daemon = await TestDaemon.start(config, socketOf(dir));
      await daemon.waitUntilIdle();
      await waitFor(async () => (await daemon.status()).metrics?.problem !== undefined, {
        what: 'the bind problem',
      });
      const status = await daemon.status();
      expect(status.metrics).to.include({ listening: false });
      expect(status.metrics?.problem).to.include(`127.0.0.1:${taken}`).and.include('in use');
      expect(daemon.logged(/in use/)).to.have.length(1);
      await daemon.call('trigger', { job: 'docs' });
      await waitFor(async () => (await daemon.job('docs')).lastRun?.outcome === 'ok', { what: 'the sync' });

      fs.writeFileSync(
        config,
        fs.readFileSync(config, 'utf8').replace(`address = "127.0.0.1:${taken}"`, 'address = "127.0.0.1:0"'),
      );
      await daemon.call('reload');
      await waitFor(async () => (await daemon.status()).metrics?.listening === true, {
        what: 'the new address',
      });
      const { address } = (await daemon.status()).metrics ?? { address: '' };
      expect((await get(`http://${address}/healthz`)).status).to.equal(200);
    } finally {
      blocker.close();
    }
  });
});
