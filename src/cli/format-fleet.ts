import type { FleetDaemon, FleetRun } from '../pocketbase/read-fleet.js';
import { formatBytes } from './format-bytes.js';
import { formatDuration, formatTime } from './format-status.js';
import { renderTable } from './format-table.js';

/** `fleet` for a terminal: one row per daemon, then its jobs indented under it. */
export function formatFleet(daemons: readonly FleetDaemon[], now = Date.now()): string {
  if (daemons.length === 0)
    return 'no daemon has reported to this PocketBase yet (daemons with [pocketbase] send a heartbeat)\n';
  const lines: string[] = [];
  const table = renderTable(
    ['HOST', 'STATE', 'VERSION', 'PID', 'LAST HEARTBEAT', 'JOBS'],
    daemons.map((daemon) => [
      daemon.host,
      daemon.liveness,
      daemon.version || '-',
      daemon.pid ? String(daemon.pid) : '-',
      describeHeartbeat(daemon, now),
      String(daemon.jobs.length),
    ]),
  );
  lines.push(table[0] ?? '');
  daemons.forEach((daemon, index) => {
    lines.push(table[index + 1] ?? '');
    for (const job of daemon.jobs) {
      const last = job.lastRun
        ? `last run ${job.lastRun.outcome} ${formatTime(job.lastRun.finishedAt, now)}`
        : 'no run yet';
      lines.push(`  ${job.id}: ${job.state}, ${last}`);
    }
  });
  const counts = (['alive', 'late', 'gone', 'stopped'] as const)
    .map((liveness) => [liveness, daemons.filter((daemon) => daemon.liveness === liveness).length] as const)
    .filter(([, count]) => count > 0)
    .map(([liveness, count]) => `${count} ${liveness}`);
  return `${lines.join('\n')}\n\n${daemons.length} daemon(s): ${counts.join(', ')}\n`;
}

function describeHeartbeat(daemon: FleetDaemon, now: number): string {
  if (daemon.heartbeatAgeSecs < 0) return 'never';
  const ago = `${formatDuration(daemon.heartbeatAgeSecs * 1000)} ago`;
  if (daemon.stoppedAt) return `stopped ${formatTime(daemon.stoppedAt.replace(' ', 'T'), now)}`;
  return `${ago} (every ${daemon.heartbeatIntervalSecs}s)`;
}

/** `fleet runs` for a terminal: the newest first. */
export function formatRuns(runs: readonly FleetRun[], now = Date.now()): string {
  if (runs.length === 0) return 'no runs recorded\n';
  return `${renderTable(
    ['FINISHED', 'HOST', 'JOB', 'OUTCOME', 'DURATION', 'COPIED', 'UPDATED', 'DELETED', 'ERRORS', 'BYTES'],
    runs.map((run) => [
      formatTime(run.finishedAt.replace(' ', 'T'), now),
      run.host,
      run.jobId,
      `${run.outcome}${run.dryRun ? ' (dry run)' : ''}`,
      formatDuration(run.durationMs),
      String(run.copied),
      String(run.updated),
      String(run.deleted),
      String(run.errors),
      formatBytes(run.bytesCopied),
    ]),
  ).join('\n')}\n`;
}
