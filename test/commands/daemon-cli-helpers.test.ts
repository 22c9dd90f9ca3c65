import { expect } from 'chai';
import { parseStatusFlags } from '../../src/cli/fast-status.js';
import { formatDuration, formatStatus } from '../../src/cli/format-status.js';
import { formatSyncResult } from '../../src/cli/format-sync-result.js';
import { parseStartReport } from '../../src/cli/start-report.js';
import type { DaemonStatus } from '../../src/control/daemon-api.js';
import { emptySyncStats } from '../../src/engine/sync-progress-tracker.js';

describe('status without oclif: the flags it takes itself', () => {
  it('accepts --json, --socket and --config in their usual spellings', () => {
    expect(parseStatusFlags([])).to.deep.equal({ json: false });
    expect(parseStatusFlags(['--json', '--socket', '/s', '-c', 'a.toml'])).to.deep.equal({
      json: true,
      socket: '/s',
      config: 'a.toml',
    });
    expect(parseStatusFlags(['--socket=/s', '--config=a=b.toml'])).to.deep.equal({
      json: false,
      socket: '/s',
      config: 'a=b.toml',
    });
  });

  it('leaves everything else to the full command', () => {
    for (const argv of [
      ['--help'],
      ['--json=yes'],
      ['--socket'],
      ['--log-level', 'info'],
      ['extra'],
      ['-c', 'a', '-c', 'b'],
    ])
      expect(parseStatusFlags(argv), argv.join(' ')).to.equal(undefined);
  });
});

describe('formatStatus', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  const status: DaemonStatus = {
    pid: 10,
    version: '1.2.3',
    startedAt: '2026-11-26T11:00:00Z',
    uptimeMs: 3_723_000,
    configFile: '/etc/sync-daemon/config.toml',
    configLoadedAt: '2026-11-26T11:00:00Z',
    socketPath: '/run/sync-daemon/daemon.sock',
    stopTimeoutSecs: 10,
    stopping: false,
    queue: { waiting: 1, size: 1000 },
    syncing: 1,
    maxConcurrentSyncs: 4,
    jobs: [
      {
        id: 'documents',
        state: 'syncing',
        runnerPid: 11,
        restarts: 0,
        schedule: 'every 5m',
        nextRunAt: '2026-11-26T12:00:30Z',
        current: {
          runId: 'r2',
          reasons: ['schedule'],
          dryRun: false,
          startedAt: '2026-11-26T11:59:59Z',
          progress: {
            phase: 'copying',
            filesScanned: 10,
            filesDone: 45,
            filesPlanned: 100,
            bytesDone: 0,
            bytesPlanned: 0,
            scanComplete: true,
          },
        },
        lastRun: {
          runId: 'r1',
          reasons: ['schedule'],
          dryRun: false,
          outcome: 'ok',
          startedAt: '2026-11-26T11:55:00Z',
          finishedAt: '2026-11-26T11:55:01Z',
          durationMs: 1200,
          stats: { ...emptySyncStats(), copied: 3, deleted: 1 },
          errors: [],
          errorsOmitted: 0,
          warnings: [],
        },
        rejectedTriggers: 0,
      },
      { id: 'photos', state: 'crashloop', restarts: 7, schedule: 'manual', rejectedTriggers: 0 },
    ],
  };

  it('shows the daemon, then one aligned row per job', () => {
    const lines = formatStatus(status, now).split('\n');
    expect(lines[0]).to.equal('sync-daemon 1.2.3: running (pid 10), up 1h 2m');
    expect(lines[3]).to.equal('  syncs   1 running (at most 4), 1 queued (queue of 1000)');
    const header = lines.find((line) => line.startsWith('JOB'));
    const row = lines.find((line) => line.startsWith('documents'));
    expect(row).to.match(
      /^documents\s+syncing 45% \(45\/100\)\s+11\s+0\s+ok \S+, 1s, 3 copied, 1 deleted\s+in 30s$/,
    );
    expect(lines.find((line) => line.startsWith('photos'))).to.match(
      /^photos\s+crashloop\s+-\s+7\s+-\s+manual$/,
    );
    expect(header?.indexOf('PID')).to.equal(row?.indexOf('11'));
  });

  it('shows the log file, and what keeps it from being written', () => {
    const logFile = { path: '/var/log/sync-daemon.log', problem: 'it cannot be written (ENOSPC)' };
    const lines = formatStatus({ ...status, logFile }, now).split('\n');
    expect(lines[3]).to.equal('  log     /var/log/sync-daemon.log — it cannot be written (ENOSPC)');
  });

  it('says where the jobs of PocketBase came from', () => {
    const pocketbase = {
      url: 'http://nas:8090',
      fetchedAt: '2026-11-26T11:59:00Z',
      fromCache: true,
      problem: 'down',
    };
    expect(formatStatus({ ...status, pocketbase }, now)).to.match(
      /\n {2}pocketbase http:\/\/nas:8090: the cached copy \(fetched \d\d:\d\d:\d\d\) — down\n/,
    );
  });

  it('shows this daemon in the fleet: its heartbeat and its uploads', () => {
    const fleet = {
      host: 'nas',
      heartbeatIntervalSecs: 30,
      heartbeatAt: '2026-11-26T11:59:50Z',
      spooled: 12,
      uploaded: 340,
      dropped: 5,
      rejected: 0,
      problem: 'cannot reach PocketBase',
    };
    expect(formatStatus({ ...status, fleet }, now)).to.match(
      /\n {2}fleet {3}host nas: heartbeat \d\d:\d\d:\d\d \(every 30 s\); 340 records uploaded, 12 waiting, 5 dropped \(spool full\) — cannot reach PocketBase\n/,
    );
    const daemons = {
      readAt: '2026-11-26T11:58:00Z',
      alive: 3,
      late: 1,
      gone: 0,
      stopped: 1,
      notAlive: [
        { host: 'laptop', liveness: 'late' as const },
        { host: 'old-nas', liveness: 'stopped' as const },
      ],
    };
    expect(formatStatus({ ...status, fleet: { ...fleet, daemons } }, now)).to.match(
      /\n {10}5 daemon\(s\) in the fleet: 3 alive, 1 late \(laptop\), 1 stopped \(old-nas\) \(read \d\d:\d\d:\d\d; `sync-daemon fleet` for more\)\n/,
    );
  });

  it('shows where the metrics are served, or why they are not', () => {
    const listening = { address: '127.0.0.1:9090', listening: true };
    expect(formatStatus({ ...status, metrics: listening }, now)).to.include(
      '  metrics http://127.0.0.1:9090/metrics\n',
    );
    const taken = {
      address: '127.0.0.1:9090',
      listening: false,
      problem: 'metrics: 127.0.0.1:9090 is in use',
    };
    expect(formatStatus({ ...status, metrics: taken }, now)).to.include(
      '  metrics not served: metrics: 127.0.0.1:9090 is in use\n',
    );
  });

  it('counts updated files as updated, not copied', () => {
    const lastRun = status.jobs[0]?.lastRun;
    if (!lastRun) throw new Error('the fixture has a last run');
    const withRun = (stats: Partial<typeof lastRun.stats>) =>
      formatStatus(
        {
          ...status,
          jobs: [
            {
              ...status.jobs[0],
              id: 'documents',
              state: 'idle',
              restarts: 0,
              schedule: 'manual',
              rejectedTriggers: 0,
              lastRun: { ...lastRun, stats: { ...lastRun.stats, copied: 0, deleted: 0, ...stats } },
            },
          ],
        },
        now,
      );
    expect(withRun({ updated: 1 })).to.match(/, 1 updated, 0 deleted\s/);
    expect(withRun({ updated: 1 })).to.not.include('copied');
    expect(withRun({ copied: 1, updated: 1 })).to.match(/, 1 copied, 1 updated, 0 deleted\s/);
    expect(withRun({})).to.match(/, 0 copied, 0 deleted\s/);
  });

  it('formats durations the way people read them', () => {
    expect([850, 12_000, 303_000, 7_800_000, 273_600_000].map(formatDuration)).to.deep.equal([
      '850ms',
      '12s',
      '5m 3s',
      '2h 10m',
      '3d 4h',
    ]);
  });
});

describe('formatSyncResult', () => {
  it('names each count as the JSON result does (skipped, not "unchanged")', () => {
    const stats = { ...emptySyncStats(), copied: 1, updated: 2, deleted: 3, skipped: 4, excluded: 5 };
    const text = formatSyncResult('job', { outcome: 'ok', dryRun: false, stats, errors: [], warnings: [] });
    expect(text).to.include('1 copied, 2 updated, 3 deleted, 4 skipped, 5 excluded');
    expect(text).to.not.include('unchanged');
  });

  it('says how many errors the list leaves out, by the count in the stats', () => {
    const stats = { ...emptySyncStats(), errors: 100 };
    const errors = [{ path: 'a', code: 'EACCES', message: 'permission denied' }];
    const text = formatSyncResult('job', { outcome: 'partial', dryRun: false, stats, errors, warnings: [] });
    expect(text.trimEnd().split('\n').slice(-2)).to.deep.equal([
      '  error: a: permission denied (EACCES)',
      '  … and 99 more errors (100 in all)',
    ]);
  });
});

describe('parseStartReport', () => {
  it('accepts what a starting daemon reports and nothing else', () => {
    const ready = { pid: 1, socketPath: '/s', pidFile: '/p', logFile: '/l', configFile: '/c' };
    expect(parseStartReport({ type: 'started', ready })).to.deep.equal({ type: 'started', ready });
    const failure = { code: 'CONFIG_INVALID', message: 'bad', exitCode: 2, suggestions: [] };
    expect(parseStartReport({ type: 'failed', failure })).to.deep.equal({ type: 'failed', failure });
    for (const bad of [null, 'started', { type: 'started' }, { type: 'failed', failure: { message: 1 } }])
      expect(parseStartReport(bad)).to.equal(undefined);
  });
});
