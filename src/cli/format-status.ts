import type { DaemonStatus, JobStatus, RunSummary } from '../control/daemon-api.js';
import { renderTable } from './format-table.js';

/** `status` for a terminal: the daemon in a few lines, then one row per job. */
export function formatStatus(status: DaemonStatus, now = Date.now()): string {
  const lines = [
    `sync-daemon ${status.version}: ${status.stopping ? 'stopping' : 'running'} (pid ${status.pid}), up ${formatDuration(status.uptimeMs)}`,
    `  config  ${status.configFile} (loaded ${formatTime(status.configLoadedAt, now)})`,
    `  socket  ${status.socketPath}`,
    ...(status.service
      ? [
          `  service ${status.service.manager} ${status.service.scope} service ${status.service.name} (stop and restart go through it)`,
        ]
      : []),
    ...(status.logFile
      ? [`  log     ${status.logFile.path}${status.logFile.problem ? ` — ${status.logFile.problem}` : ''}`]
      : []),
    ...(status.metrics
      ? [
          status.metrics.listening
            ? `  metrics http://${status.metrics.address}/metrics`
            : `  metrics not served: ${status.metrics.problem ?? `binding ${status.metrics.address}`}`,
        ]
      : []),
    ...(status.pocketbase ? [describePocketBase(status.pocketbase, now)] : []),
    ...(status.fleet ? [describeFleet(status.fleet, now)] : []),
    `  syncs   ${status.syncing} running (at most ${status.maxConcurrentSyncs}), ${status.queue.waiting} queued (queue of ${status.queue.size})`,
    '',
  ];
  if (status.jobs.length === 0) return `${lines.join('\n')}no sync jobs in the config\n`;
  const rows = status.jobs.map((job) => [
    job.id,
    describeState(job),
    job.runnerPid === undefined ? '-' : String(job.runnerPid),
    String(job.restarts),
    job.lastRun ? describeLastRun(job.lastRun, now) : '-',
    job.nextRunAt ? formatTime(job.nextRunAt, now) : job.schedule === 'manual' ? 'manual' : '-',
  ]);
  const table = renderTable(['JOB', 'STATE', 'PID', 'RESTARTS', 'LAST RUN', 'NEXT RUN'], rows);
  return `${[...lines, ...table, ...watcherLines(status.jobs, now)].join('\n')}\n`;
}

/** One line per file watcher, under the table: what it watches, how, and what it saw. */
function watcherLines(jobs: readonly JobStatus[], now: number): string[] {
  const lines: string[] = [];
  for (const job of jobs) {
    if (!job.watching) continue;
    const { watchers, inotifyWatches } = job.watching;
    for (const watcher of watchers) {
      const seen = `${watcher.eventsSeen} event${watcher.eventsSeen === 1 ? '' : 's'}${watcher.lastEventAt ? `, last ${formatTime(watcher.lastEventAt, now)}` : ''}${watcher.pending ? `, ${watcher.pending} pending` : ''}${watcher.heldBack ? `, ${watcher.heldBack} held back (watch_events)` : ''}`;
      const watches =
        inotifyWatches === undefined || watchers.length > 1 ? '' : `, ${inotifyWatches} inotify watches`;
      lines.push(
        `  ${watcher.id} (job ${job.id}): ${watcher.state}${watcher.backend ? ` [${watcher.backend}]` : ''} ${watcher.path}; ${seen}${watches}`,
        ...(watcher.reason ? [`    ${watcher.reason}`] : []),
      );
    }
  }
  return lines.length ? ['', 'watchers', ...lines] : [];
}

function describeState(job: JobStatus): string {
  const progress = job.current?.progress;
  if (job.state !== 'syncing' || !progress) return job.state;
  if (!progress.scanComplete) return `syncing (scanning, ${progress.filesScanned} seen)`;
  const percent =
    progress.filesPlanned === 0 ? 100 : Math.floor((100 * progress.filesDone) / progress.filesPlanned);
  return `syncing ${percent}% (${progress.filesDone}/${progress.filesPlanned})`;
}

function describeLastRun(run: RunSummary, now: number): string {
  const { stats } = run;
  const counts =
    run.outcome === 'failed' && run.errors[0]
      ? run.errors[0].code
      : [
          // An update is not a copy: each is named for what it was, and "0 copied" only when neither happened.
          ...(stats.copied > 0 || stats.updated === 0 ? [`${stats.copied} copied`] : []),
          ...(stats.updated > 0 ? [`${stats.updated} updated`] : []),
          `${stats.deleted} deleted`,
          ...(stats.renamed ? [`${stats.renamed} renamed`] : []),
          ...(stats.errors ? [`${stats.errors} errors`] : []),
        ].join(', ');
  return `${run.outcome}${run.dryRun ? ' (dry run)' : ''} ${formatTime(run.finishedAt, now)}, ${formatDuration(run.durationMs)}, ${counts}`;
}

/** "14:03:07" today, "in 25s" or "3s ago" when close, else the date too. */
export function formatTime(iso: string, now: number): string {
  const time = Date.parse(iso);
  const delta = time - now;
  if (delta > 0 && delta < 3_600_000) return `in ${formatDuration(delta)}`;
  const date = new Date(time);
  const clock = date.toTimeString().slice(0, 8);
  return new Date(now).toDateString() === date.toDateString()
    ? clock
    : `${date.toISOString().slice(0, 10)} ${clock}`;
}

/** "850ms", "12s", "5m 3s", "2h 10m", "3d 4h". */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** Where PocketBase's jobs came from: the server (when), or its cached copy and why. */
function describePocketBase(source: NonNullable<DaemonStatus['pocketbase']>, now: number): string {
  const fetched = source.fetchedAt ? formatTime(source.fetchedAt, now) : 'never';
  const from = source.fromCache
    ? `the cached copy (fetched ${fetched}${source.stale ? ', older than config_cache_ttl_secs' : ''})`
    : `fetched ${fetched}`;
  return `  pocketbase ${source.url}: ${source.fetchedAt ? from : 'no jobs yet'}${source.problem ? ` — ${source.problem}` : ''}`;
}

/** This daemon in the fleet: its last heartbeat taken, and its uploads. */
function describeFleet(fleet: NonNullable<DaemonStatus['fleet']>, now: number): string {
  const heartbeat = fleet.heartbeatAt
    ? `heartbeat ${formatTime(fleet.heartbeatAt, now)}`
    : 'no heartbeat taken yet';
  const lost = [
    ...(fleet.dropped ? [`${fleet.dropped} dropped (spool full)`] : []),
    ...(fleet.rejected ? [`${fleet.rejected} refused`] : []),
  ];
  const own =
    `  fleet   host ${fleet.host}: ${heartbeat} (every ${fleet.heartbeatIntervalSecs} s); ` +
    `${fleet.uploaded} records uploaded, ${fleet.spooled} waiting${lost.length ? `, ${lost.join(', ')}` : ''}` +
    `${fleet.problem ? ` — ${fleet.problem}` : ''}`;
  const view = fleet.daemons;
  if (!view) return own;
  const total = view.alive + view.late + view.gone + view.stopped;
  const states = (['alive', 'late', 'gone', 'stopped'] as const)
    .filter((liveness) => view[liveness] > 0)
    .map((liveness) => {
      const hosts = view.notAlive
        .filter((daemon) => daemon.liveness === liveness)
        .map((daemon) => daemon.host);
      return `${view[liveness]} ${liveness}${hosts.length ? ` (${hosts.join(', ')})` : ''}`;
    });
  return `${own}\n          ${total} daemon(s) in the fleet: ${states.join(', ')} (read ${formatTime(view.readAt, now)}; \`sync-daemon fleet\` for more)`;
}
