import { expect } from 'chai';
import type { RunnerState } from '../../../src/control/daemon-api.js';
import { DaemonMetrics, type FinishedRun } from '../../../src/telemetry/metrics/daemon-metrics.js';
import {
  ERROR_REASONS,
  type MetricsRunnerState,
  RUNNER_STATES,
} from '../../../src/telemetry/metrics/metric-labels.js';
import { exerciseEveryMethod, metricTypes, parseExposition, samplesOf, sampleValue } from './exposition.js';

// The metric names, types and labels DESIGN.md and issue 10 promise; the dashboard and alert rules rely on them.
const REQUIRED: Record<string, { type: string; labels: string[] }> = {
  sync_daemon_sync_runs_total: { type: 'counter', labels: ['sync_job', 'result'] },
  sync_daemon_sync_duration_seconds: { type: 'histogram', labels: ['sync_job'] },
  sync_daemon_files_copied_total: { type: 'counter', labels: ['sync_job'] },
  sync_daemon_files_updated_total: { type: 'counter', labels: ['sync_job'] },
  sync_daemon_files_deleted_total: { type: 'counter', labels: ['sync_job'] },
  sync_daemon_files_skipped_total: { type: 'counter', labels: ['sync_job'] },
  sync_daemon_bytes_copied_total: { type: 'counter', labels: ['sync_job'] },
  sync_daemon_sync_errors_total: { type: 'counter', labels: ['sync_job', 'reason'] },
  sync_daemon_queue_depth: { type: 'gauge', labels: [] },
  sync_daemon_syncs_in_progress: { type: 'gauge', labels: [] },
  sync_daemon_triggers_total: { type: 'counter', labels: ['sync_job', 'reason'] },
  sync_daemon_triggers_rejected_total: { type: 'counter', labels: ['sync_job', 'reason'] },
  sync_daemon_runner_restarts_total: { type: 'counter', labels: ['sync_job'] },
  sync_daemon_runner_up: { type: 'gauge', labels: ['sync_job'] },
  sync_daemon_runner_state: { type: 'gauge', labels: ['sync_job', 'state'] },
  sync_daemon_runner_cpu_seconds_total: { type: 'counter', labels: ['sync_job'] },
  sync_daemon_runner_resident_memory_bytes: { type: 'gauge', labels: ['sync_job'] },
  sync_daemon_watcher_events_total: { type: 'counter', labels: ['sync_job', 'event'] },
  sync_daemon_watched_folders: { type: 'gauge', labels: ['sync_job'] },
  sync_daemon_last_successful_sync_timestamp_seconds: { type: 'gauge', labels: ['sync_job'] },
  sync_daemon_config_reloads_total: { type: 'counter', labels: ['result'] },
  sync_daemon_build_info: { type: 'gauge', labels: ['version', 'node_version'] },
  sync_daemon_uptime_seconds: { type: 'gauge', labels: [] },
};

// Compile-time: the metrics' runner states and the control protocol's are the same set.
const sameRunnerStates: [RunnerState, MetricsRunnerState] extends [MetricsRunnerState, RunnerState]
  ? true
  : never = true;

function finishedRun(overrides: Partial<FinishedRun> = {}): FinishedRun {
  return {
    outcome: 'ok',
    durationSeconds: 2,
    stats: { copied: 5, updated: 4, deleted: 3, skipped: 2, bytesCopied: 1000 },
    errorCounts: {},
    finishedAtMs: 1_700_000_000_000,
    dryRun: false,
    ...overrides,
  };
}

describe('DaemonMetrics', () => {
  let metrics: DaemonMetrics;
  let nowMs: number;

  beforeEach(() => {
    nowMs = 1_000_000;
    metrics = new DaemonMetrics({
      version: '1.2.3',
      nodeVersion: '20.0.0',
      startedAtMs: 0,
      now: () => nowMs,
    });
  });

  it('exposes every promised metric with its type, labels and a help text', async () => {
    exerciseEveryMethod(metrics, ['photos', 'music']);
    const text = await metrics.metricsText();
    const types = metricTypes(text);
    for (const [name, { type, labels }] of Object.entries(REQUIRED)) {
      expect(types.get(name), name).to.equal(type);
      expect(text, name).to.match(new RegExp(`^# HELP ${name} \\S.{10,}$`, 'm'));
      const sampleName = type === 'histogram' ? `${name}_count` : name;
      const samples = samplesOf(text, sampleName);
      expect(samples, name).to.not.be.empty;
      for (const sample of samples)
        expect(Object.keys(sample.labels).sort(), name).to.deep.equal(labels.sort());
    }
    expect(sameRunnerStates).to.equal(true);
  });

  it('includes the standard process and Node.js metrics, in its own registry', async () => {
    const other = new DaemonMetrics({ version: '0.0.0' });
    const text = await metrics.metricsText();
    expect(text).to.match(/^process_cpu_seconds_total /m);
    expect(text).to.match(/^nodejs_heap_size_used_bytes /m);
    expect(await other.metricsText()).to.match(/^sync_daemon_build_info\{version="0.0.0"/m);
    expect(metrics.contentType).to.match(/^text\/plain/);
  });

  it('creates a job’s counters at 0 when it first appears, so that its first event is an increase', async () => {
    metrics.addJob('photos');
    const text = await metrics.metricsText();
    expect(
      sampleValue(text, 'sync_daemon_sync_runs_total', { sync_job: 'photos', result: 'failed' }),
    ).to.equal(0);
    expect(samplesOf(text, 'sync_daemon_sync_errors_total', { sync_job: 'photos' })).to.have.length(
      ERROR_REASONS.length,
    );
    expect(sampleValue(text, 'sync_daemon_sync_duration_seconds_count', { sync_job: 'photos' })).to.equal(0);
    expect(
      sampleValue(text, 'sync_daemon_triggers_rejected_total', { sync_job: 'photos', reason: 'queue_full' }),
    ).to.equal(0);
  });

  it('counts a finished run by result, its duration, files and bytes, and when it last succeeded', async () => {
    metrics.runFinished('photos', finishedRun());
    metrics.runFinished('photos', finishedRun({ outcome: 'failed', finishedAtMs: 1_800_000_000_000 }));
    const text = await metrics.metricsText();
    const job = { sync_job: 'photos' };
    expect(sampleValue(text, 'sync_daemon_sync_runs_total', { ...job, result: 'ok' })).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_sync_runs_total', { ...job, result: 'failed' })).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_sync_runs_total', { ...job, result: 'partial' })).to.equal(0);
    expect(sampleValue(text, 'sync_daemon_sync_duration_seconds_count', job)).to.equal(2);
    expect(sampleValue(text, 'sync_daemon_sync_duration_seconds_sum', job)).to.equal(4);
    expect(sampleValue(text, 'sync_daemon_sync_duration_seconds_bucket', { ...job, le: '2.5' })).to.equal(2);
    expect(sampleValue(text, 'sync_daemon_files_copied_total', job)).to.equal(10);
    expect(sampleValue(text, 'sync_daemon_files_updated_total', job)).to.equal(8);
    expect(sampleValue(text, 'sync_daemon_files_deleted_total', job)).to.equal(6);
    expect(sampleValue(text, 'sync_daemon_files_skipped_total', job)).to.equal(4);
    expect(sampleValue(text, 'sync_daemon_bytes_copied_total', job)).to.equal(2000);
    // The failed run finished later but was no success.
    expect(sampleValue(text, 'sync_daemon_last_successful_sync_timestamp_seconds', job)).to.equal(
      1_700_000_000,
    );
  });

  it('counts a dry run as a run with a duration, but adds no files or bytes and no success time', async () => {
    metrics.runFinished('photos', finishedRun({ dryRun: true, errorCounts: { EACCES: 1 } }));
    const text = await metrics.metricsText();
    const job = { sync_job: 'photos' };
    expect(sampleValue(text, 'sync_daemon_sync_runs_total', { ...job, result: 'ok' })).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_sync_duration_seconds_count', job)).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_files_copied_total', job)).to.equal(0);
    expect(sampleValue(text, 'sync_daemon_bytes_copied_total', job)).to.equal(0);
    expect(sampleValue(text, 'sync_daemon_last_successful_sync_timestamp_seconds', job)).to.equal(undefined);
    expect(sampleValue(text, 'sync_daemon_sync_errors_total', { ...job, reason: 'permission' })).to.equal(1);
  });

  it('counts each reported error under its closed reason', async () => {
    const errorCounts = { EACCES: 1, EPERM: 1, MAX_DELETE: 1, ENGINE_CRASH: 1, E_SOMETHING_NEW: 1 };
    metrics.runFinished('photos', finishedRun({ outcome: 'partial', errorCounts }));
    const text = await metrics.metricsText();
    const errors = (reason: string) =>
      sampleValue(text, 'sync_daemon_sync_errors_total', { sync_job: 'photos', reason });
    expect(errors('permission')).to.equal(2);
    expect(errors('safety_guard')).to.equal(1);
    expect(errors('crash')).to.equal(1);
    expect(errors('other')).to.equal(1);
    expect(errors('io')).to.equal(0);
  });

  it('keeps syncs_in_progress to the runs started and not finished, never below 0', async () => {
    const inProgress = async () => sampleValue(await metrics.metricsText(), 'sync_daemon_syncs_in_progress');
    metrics.runStarted('photos');
    metrics.runStarted('music');
    expect(await inProgress()).to.equal(2);
    metrics.runFinished('photos', finishedRun());
    expect(await inProgress()).to.equal(1);
    metrics.runFinished('photos', finishedRun());
    expect(await inProgress()).to.equal(1);
    metrics.removeJob('music');
    expect(await inProgress()).to.equal(0);
  });

  it('counts triggers by reason, refused triggers by reason, and shows the queue depth', async () => {
    metrics.triggered('photos', 'cron');
    metrics.triggered('photos', 'cron');
    metrics.triggered('photos', 'manual');
    metrics.triggerRejected('photos', 'paused');
    metrics.setQueueDepth(7);
    const text = await metrics.metricsText();
    const job = { sync_job: 'photos' };
    expect(sampleValue(text, 'sync_daemon_triggers_total', { ...job, reason: 'cron' })).to.equal(2);
    expect(sampleValue(text, 'sync_daemon_triggers_total', { ...job, reason: 'manual' })).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_triggers_rejected_total', { ...job, reason: 'paused' })).to.equal(
      1,
    );
    expect(sampleValue(text, 'sync_daemon_queue_depth')).to.equal(7);
  });

  it('shows the runner state as 1 for the current state and 0 for the others, and whether it is up', async () => {
    const states = async () => {
      const text = await metrics.metricsText();
      const current = samplesOf(text, 'sync_daemon_runner_state', { sync_job: 'photos' })
        .filter((sample) => sample.value === 1)
        .map((sample) => sample.labels.state);
      return { current, up: sampleValue(text, 'sync_daemon_runner_up', { sync_job: 'photos' }), text };
    };
    metrics.setRunnerState('photos', 'syncing');
    metrics.setRunnerUsage('photos', 42, { cpuSeconds: 1, rssBytes: 5e7 });
    let seen = await states();
    expect(seen.current).to.deep.equal(['syncing']);
    expect(seen.up).to.equal(1);
    expect(samplesOf(seen.text, 'sync_daemon_runner_state', { sync_job: 'photos' })).to.have.length(
      RUNNER_STATES.length,
    );
    metrics.setRunnerState('photos', 'crashloop');
    seen = await states();
    expect(seen.current).to.deep.equal(['crashloop']);
    expect(seen.up).to.equal(0);
    expect(
      sampleValue(seen.text, 'sync_daemon_runner_resident_memory_bytes', { sync_job: 'photos' }),
    ).to.equal(0);
  });

  it('counts runner restarts, watcher events by kind and shows the watched folders', async () => {
    metrics.runnerRestarted('photos');
    metrics.runnerRestarted('photos');
    metrics.watcherEvents('photos', 'write', 3);
    metrics.watcherEvents('photos', 'write');
    metrics.setWatchedFolders('photos', 120);
    const text = await metrics.metricsText();
    const job = { sync_job: 'photos' };
    expect(sampleValue(text, 'sync_daemon_runner_restarts_total', job)).to.equal(2);
    expect(sampleValue(text, 'sync_daemon_watcher_events_total', { ...job, event: 'write' })).to.equal(4);
    expect(sampleValue(text, 'sync_daemon_watcher_events_total', { ...job, event: 'overflow' })).to.equal(0);
    expect(sampleValue(text, 'sync_daemon_watched_folders', job)).to.equal(120);
  });

  it('grows the runner CPU counter by each sample’s difference and never lowers it across a new pid', async () => {
    const cpu = async () =>
      sampleValue(await metrics.metricsText(), 'sync_daemon_runner_cpu_seconds_total', {
        sync_job: 'photos',
      });
    const memory = async () =>
      sampleValue(await metrics.metricsText(), 'sync_daemon_runner_resident_memory_bytes', {
        sync_job: 'photos',
      });
    metrics.setRunnerUsage('photos', 100, { cpuSeconds: 5, rssBytes: 1e6 });
    expect(await cpu()).to.equal(5);
    metrics.setRunnerUsage('photos', 100, { cpuSeconds: 7, rssBytes: 2e6 });
    expect(await cpu()).to.equal(7);
    expect(await memory()).to.equal(2e6);
    // The runner restarted: the new process's CPU time starts again from 0.
    metrics.setRunnerUsage('photos', 200, { cpuSeconds: 1, rssBytes: 1e6 });
    expect(await cpu()).to.equal(8);
    metrics.setRunnerUsage('photos', 200, { cpuSeconds: 3, rssBytes: 1e6 });
    expect(await cpu()).to.equal(10);
    metrics.setRunnerUsage('photos', 200, { cpuSeconds: 2.5, rssBytes: 1e6 });
    expect(await cpu()).to.equal(10);
    metrics.setRunnerUsage('photos', 200, { cpuSeconds: 3.5, rssBytes: 1e6 });
    expect(await cpu()).to.equal(10.5);
  });

  it('counts config reloads by result, and shows build info and uptime', async () => {
    metrics.configReloaded('ok');
    metrics.configReloaded('failed');
    metrics.configReloaded('failed');
    nowMs = 61_500;
    const text = await metrics.metricsText();
    expect(sampleValue(text, 'sync_daemon_config_reloads_total', { result: 'ok' })).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_config_reloads_total', { result: 'failed' })).to.equal(2);
    expect(
      sampleValue(text, 'sync_daemon_build_info', { version: '1.2.3', node_version: '20.0.0' }),
    ).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_uptime_seconds')).to.equal(61.5);
  });

  it('ignores values a counter cannot take instead of throwing', async () => {
    metrics.setRunnerUsage('photos', 1, { cpuSeconds: Number.NaN, rssBytes: -1 });
    metrics.watcherEvents('photos', 'write', -5);
    metrics.runFinished('photos', finishedRun({ durationSeconds: Number.POSITIVE_INFINITY }));
    const text = await metrics.metricsText();
    expect(sampleValue(text, 'sync_daemon_runner_cpu_seconds_total', { sync_job: 'photos' })).to.equal(0);
    expect(
      sampleValue(text, 'sync_daemon_watcher_events_total', { sync_job: 'photos', event: 'write' }),
    ).to.equal(0);
  });

  it('drops every series of a removed job and keeps the others', async () => {
    exerciseEveryMethod(metrics, ['photos', 'music']);
    metrics.setRunnerState('photos', 'stopped');
    metrics.removeJob('photos');
    const samples = parseExposition(await metrics.metricsText());
    expect(samples.filter((sample) => sample.labels.sync_job === 'photos')).to.deep.equal([]);
    const musicNames = new Set(samples.filter((s) => s.labels.sync_job === 'music').map((s) => s.name));
    const perJob = Object.entries(REQUIRED).filter(([, { labels }]) => labels.includes('sync_job'));
    for (const [name, { type }] of perJob) {
      expect(musicNames.has(type === 'histogram' ? `${name}_count` : name), name).to.equal(true);
    }
    // A removed job that comes back (a later reload) starts from 0.
    metrics.triggered('photos', 'manual');
    const text = await metrics.metricsText();
    expect(
      sampleValue(text, 'sync_daemon_triggers_total', { sync_job: 'photos', reason: 'manual' }),
    ).to.equal(1);
    expect(sampleValue(text, 'sync_daemon_runner_restarts_total', { sync_job: 'photos' })).to.equal(0);
  });
});
