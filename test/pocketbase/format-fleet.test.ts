import { expect } from 'chai';
import { formatFleet, formatRuns } from '../../src/cli/format-fleet.js';
import { type FleetDaemon, livenessOf } from '../../src/pocketbase/read-fleet.js';

describe('the fleet as fleet shows it', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('calls a daemon alive, late past two missed heartbeats, gone past five, or stopped when it said so', () => {
    expect(livenessOf(61, 30, false)).to.equal('alive');
    expect(livenessOf(63, 30, false)).to.equal('late');
    expect(livenessOf(152, 30, false)).to.equal('late');
    expect(livenessOf(153, 30, false)).to.equal('gone');
    expect(livenessOf(Number.POSITIVE_INFINITY, 30, false)).to.equal('gone');
    expect(livenessOf(1, 30, true)).to.equal('stopped');
  });

  it('lists each daemon, its jobs under it, and a count by state', () => {
    const daemon = (host: string, liveness: FleetDaemon['liveness']): FleetDaemon => ({
      host,
      liveness,
      version: '0.1.0',
      pid: 42,
      startedAt: '2026-12-01 11:00:00.000Z',
      lastHeartbeat: '2026-12-01 11:59:55.000Z',
      heartbeatAgeSecs: 5,
      heartbeatIntervalSecs: 30,
      jobs: [],
    });
    const text = formatFleet(
      [
        {
          ...daemon('nas', 'alive'),
          jobs: [
            {
              id: 'photos',
              state: 'idle',
              lastRun: { runId: 'r', outcome: 'ok', finishedAt: '2026-12-01T11:58:00Z' },
            },
            { id: 'docs', state: 'syncing' },
          ],
        },
        { ...daemon('laptop', 'stopped'), stoppedAt: '2026-12-01 11:59:55.000Z' },
      ],
      now,
    );
    const lines = text.split('\n');
    expect(lines[0]).to.match(/^HOST +STATE +VERSION +PID +LAST HEARTBEAT +JOBS$/);
    expect(lines[1]).to.match(/^nas +alive +0\.1\.0 +42 +5s ago \(every 30s\) +2$/);
    expect(lines[2]).to.match(/^ {2}photos: idle, last run ok \d\d:\d\d:\d\d$/);
    expect(lines[3]).to.equal('  docs: syncing, no run yet');
    expect(lines[4]).to.match(/^laptop +stopped +0\.1\.0 +42 +stopped \d\d:\d\d:\d\d +0$/);
    expect(text.endsWith('\n2 daemon(s): 1 alive, 1 stopped\n')).to.equal(true);
    expect(formatFleet([], now)).to.match(/^no daemon has reported/);
  });

  it('lists runs newest first with what they changed', () => {
    const text = formatRuns(
      [
        {
          host: 'nas',
          jobId: 'photos',
          runId: 'photos-1',
          outcome: 'partial',
          dryRun: false,
          startedAt: '2026-12-01 11:58:00.000Z',
          finishedAt: '2026-12-01 11:58:02.000Z',
          durationMs: 2000,
          copied: 3,
          updated: 1,
          deleted: 0,
          errors: 2,
          bytesCopied: 2048,
          firstErrors: [],
        },
      ],
      now,
    );
    const [header, row] = text.split('\n');
    expect(header).to.match(
      /^FINISHED +HOST +JOB +OUTCOME +DURATION +COPIED +UPDATED +DELETED +ERRORS +BYTES$/,
    );
    expect(row).to.match(/^\d\d:\d\d:\d\d +nas +photos +partial +2s +3 +1 +0 +2 +2\.0 kB$/);
    expect(formatRuns([], now)).to.equal('no runs recorded\n');
  });
});
