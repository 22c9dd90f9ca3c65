import { type LoadedConfig, loadConfigFile } from '../config/load-config.js';
import type { LogFormat, LogLevel } from '../config/log-levels.js';
import type { Config } from '../config/schema.js';
import {
  type ControlHandler,
  type ControlServer,
  SocketInUseError,
  startControlServer,
} from '../control/control-server.js';
import type { JobStatus } from '../control/daemon-api.js';
import { defaultLockDir } from '../jobs/destination-lock.js';
import { DaemonPocketBase } from '../pocketbase/daemon-pocketbase.js';
import { parseServiceTag } from '../service/service-settings.js';
import { DaemonTelemetry } from '../telemetry/daemon-telemetry.js';
import { logsHandler } from '../telemetry/logs-control.js';
import { DaemonMetrics } from '../telemetry/metrics/daemon-metrics.js';
import { type MetricsEndpoint, startMetricsEndpoint } from '../telemetry/metrics-endpoint.js';
import { controlHandlers } from './control-handlers.js';
import { claimPidFile, readPid, releasePidFile } from './pid-file.js';
import { Supervisor } from './supervisor.js';

export interface DaemonOptions {
  configFile: string;
  /** From --socket or $SYNC_DAEMON_SOCKET; else daemon.socket_path of the config. */
  socketPath?: string | undefined;
  logLevel?: LogLevel | undefined;
  logFormat?: LogFormat | undefined;
  /** Records on stdout as well as in the log file: not for a detached daemon, whose stdout nobody reads. */
  console?: boolean;
  /** `start --pocketbase-url`, over `pocketbase.url` of the config. */
  pocketbaseUrl?: string | undefined;
  version: string;
  /** Called once the socket answers and every runner has been started. */
  onReady?: (ready: DaemonReady) => void;
}

export interface DaemonReady {
  pid: number;
  socketPath: string;
  pidFile: string;
  logFile: string;
  configFile: string;
}

/**
 * The supervisor process from start to exit: config, control socket, pid file, runners; SIGTERM and SIGINT stop
 * it gracefully, SIGHUP reloads the config. Resolves once it has stopped and removed its socket and pid file.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const load = async (): Promise<LoadedConfig> => {
    const loaded = await loadConfigFile(options.configFile);
    if (options.logLevel)
      loaded.config = { ...loaded.config, daemon: { ...loaded.config.daemon, log_level: options.logLevel } };
    return loaded;
  };
  const fileLoaded = await load();
  const { daemon } = fileLoaded.config;
  const socketPath = options.socketPath ?? daemon.socket_path;
  const telemetry = new DaemonTelemetry(fileLoaded.config, {
    logLevel: options.logLevel,
    logFormat: options.logFormat,
    console: options.console ?? true,
  });
  const { logger } = telemetry;
  // Set by the unit, plist or WinSW file `sync-daemon install` wrote: `stop` and `restart` go through that manager.
  const service = parseServiceTag(process.env.SYNC_DAEMON_SERVICE);
  // Counted from the start, served once the endpoint binds (`[metrics] address`; "off" counts and serves nothing).
  const metrics = new DaemonMetrics({ version: options.version });
  // Jobs and watchers from PocketBase (or its cached copy), at start and at every reload; and the fleet's reports.
  // The supervisor comes after the first merge (it runs the merged jobs): the heartbeat reads its jobs once there.
  let jobStates: () => readonly JobStatus[] = () => [];
  const pocketbase = new DaemonPocketBase({
    logger,
    urlOverride: options.pocketbaseUrl,
    version: options.version,
    startedAt: new Date(),
    metrics,
    jobs: () => jobStates(),
    uploadLogs: (upload) => telemetry.uploadTo(upload),
  });
  // The fleet's log upload first: the warnings are the daemon's first records.
  await pocketbase.report(fileLoaded);
  for (const warning of fileLoaded.warnings) logger.warn(warning);
  const loaded = await pocketbase.merge(fileLoaded);
  // The daemon's own crash is a record too, written before the process goes.
  const onFatal = (error: unknown) => {
    logger.fatal(
      { err: error },
      `the daemon crashed: ${error instanceof Error ? error.message : String(error)}`,
    );
    telemetry.flush();
    process.exit(70);
  };
  process.on('uncaughtException', onFatal).on('unhandledRejection', onFatal);
  const closeTelemetry = () => {
    process.off('uncaughtException', onFatal).off('unhandledRejection', onFatal);
    telemetry.close();
  };

  let stopped: Promise<void> | undefined;
  let markStopped = () => {};
  const whenStopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  let serving: { endpoint: MetricsEndpoint; settings: string } | undefined;
  // The endpoint's changes, one after the other: started, restarted by reloads, closed at stop.
  let endpoint: Promise<void> = Promise.resolve();
  const serveMetrics = (config: Config) => {
    const { address, runner_sample_interval_secs: sampleSecs } = config.metrics;
    endpoint = endpoint.then(async () => {
      if (serving?.settings === `${address} ${sampleSecs}`) return;
      await serving?.endpoint.close();
      serving = {
        settings: `${address} ${sampleSecs}`,
        endpoint: await startMetricsEndpoint(address, sampleSecs, {
          metrics,
          logger,
          refresh: () => supervisor.refreshMetrics(),
          healthProblem: () => supervisor.healthProblem() ?? telemetry.status().logFile.problem,
          runners: () => supervisor.runnerPids(),
        }),
      };
    });
  };
  const supervisor: Supervisor = new Supervisor({
    loaded,
    socketPath,
    lockDir: defaultLockDir(),
    version: options.version,
    logger,
    metrics,
    telemetryStatus: () => {
      const state = serving?.endpoint.state();
      const source = pocketbase.status();
      const fleet = pocketbase.fleetStatus();
      return {
        ...telemetry.status(),
        ...(state ? { metrics: state } : {}),
        ...(source ? { pocketbase: source } : {}),
        ...(fleet ? { fleet } : {}),
        ...(service ? { service } : {}),
      };
    },
    onRunFinished: (jobId, run) => pocketbase.runFinished(jobId, run),
    // New metrics settings take effect at once: the old server closes, the new one binds.
    onReloaded: serveMetrics,
    reloadConfig: async () => pocketbase.merge(await load()),
  });
  jobStates = () => supervisor.jobs();
  // Never rejects (signal handlers and the stop request call it without waiting): a step that fails is logged,
  // the next steps still run, and the daemon still ends.
  const stop = (why: string): Promise<void> => {
    stopped ??= (async () => {
      logger.info({ why }, 'daemon stopping');
      const steps: [string, () => unknown][] = [
        ['stopping the runners', () => supervisor.shutdown()],
        [
          'closing the metrics server',
          async () => {
            await endpoint;
            await serving?.endpoint.close();
          },
        ],
        ['closing the control socket', () => server.close()],
        ['leaving PocketBase', () => pocketbase.close()],
        ['removing the pid file', () => releasePidFile(daemon.pid_file)],
      ];
      for (const [step, run] of steps) {
        try {
          await run();
        } catch (error) {
          logger.error({ err: error }, `daemon stopping: ${step} failed`);
        }
      }
      logger.info('daemon stopped');
      closeTelemetry();
      markStopped();
    })();
    return stopped;
  };

  // Requests wait until the supervisor has started: an answer always describes a daemon that is up.
  let markReady = () => {};
  const whenReady = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let server: ControlServer;
  try {
    server = await startControlServer(
      socketPath,
      answerWhenReady(
        {
          ...controlHandlers(supervisor, () => {
            // Answered first: the reply leaves before the socket closes; the client then waits for the pid to go.
            setImmediate(() => void stop('stop requested over the control socket'));
            return { pid: process.pid, stopTimeoutSecs: supervisor.stopTimeoutSecs };
          }),
          logs: logsHandler(telemetry.recent),
        },
        whenReady,
      ),
    );
  } catch (error) {
    closeTelemetry();
    if (error instanceof SocketInUseError) {
      const pid = readPid(daemon.pid_file);
      throw new SocketInUseError(
        `a daemon is already running on ${socketPath}${pid === undefined ? '' : ` (pid ${pid})`}`,
      );
    }
    throw error;
  }
  // From here on the daemon owns its socket: signals stop or reload it rather than kill it outright.
  const onStopSignal = (signal: NodeJS.Signals) => void stop(`received ${signal}`);
  const onReloadSignal = () => {
    supervisor.reload().catch(() => undefined);
  };
  process.on('SIGTERM', onStopSignal).on('SIGINT', onStopSignal).on('SIGHUP', onReloadSignal);
  const removeSignalHandlers = () =>
    process.off('SIGTERM', onStopSignal).off('SIGINT', onStopSignal).off('SIGHUP', onReloadSignal);
  try {
    const stalePid = await claimPidFile(daemon.pid_file, socketPath);
    if (stalePid !== undefined)
      logger.warn({ stalePid, pidFile: daemon.pid_file }, 'replaced a stale pid file');
  } catch (error) {
    removeSignalHandlers();
    await server.close();
    closeTelemetry();
    throw error;
  }

  supervisor.start();
  serveMetrics(loaded.config);
  // A record created, edited or deleted in the dashboard reloads the daemon through the same plan as a file.
  pocketbase.start(() => void supervisor.reload().catch(() => undefined));
  markReady();
  logger.info({ pid: process.pid, socketPath, version: options.version }, 'daemon started');
  options.onReady?.({
    pid: process.pid,
    socketPath,
    pidFile: daemon.pid_file,
    logFile: daemon.log_file,
    configFile: loaded.file,
  });

  await whenStopped;
  removeSignalHandlers();
}

function answerWhenReady(
  handlers: Record<string, ControlHandler>,
  ready: Promise<void>,
): Record<string, ControlHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [
      method,
      async (params: Record<string, unknown>) => {
        await ready;
        return handler(params);
      },
    ]),
  );
}
