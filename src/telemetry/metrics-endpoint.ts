import type Logger from 'bunyan';
import type { DaemonMetrics } from './metrics/daemon-metrics.js';
import { type MetricsServer, type MetricsServerState, startMetricsServer } from './metrics/metrics-server.js';
import { parseMetricsAddress } from './metrics/parse-metrics-address.js';
import { type RunnerUsageSampler, startRunnerUsageSampler } from './metrics/runner-usage-sampler.js';

/** What the endpoint needs of the supervisor. */
export interface MetricsSource {
  metrics: DaemonMetrics;
  /** Sets the gauges read at scrape time. */
  refresh: () => void;
  /** Why the daemon is not healthy (`/healthz` 503), if it is not. */
  healthProblem: () => string | undefined;
  runners: () => { job: string; pid: number }[];
  logger: Logger;
}

export interface MetricsEndpoint {
  state(): MetricsServerState | undefined;
  close(): Promise<void>;
}

/**
 * `/metrics` and `/healthz` on `[metrics] address` (DESIGN.md, "telemetry"), and the sampling of every runner's
 * CPU and memory. A port taken or an address that cannot be bound never stops the daemon: it is said once in the
 * log, shown in `status`, and tried again until it can be bound or the key changes (a reload). "off" serves
 * nothing; the metrics are still counted, for when it is turned on.
 */
export async function startMetricsEndpoint(
  address: string,
  sampleIntervalSecs: number,
  source: MetricsSource,
): Promise<MetricsEndpoint> {
  const parsed = parseMetricsAddress(address);
  if (parsed === 'off' || 'error' in parsed) return { state: () => undefined, close: async () => {} };
  const { metrics, logger } = source;
  const server: MetricsServer = await startMetricsServer({
    ...parsed,
    metrics: async () => {
      source.refresh();
      return { text: await metrics.metricsText(), contentType: metrics.contentType };
    },
    health: () => {
      const problem = source.healthProblem();
      return problem ? { ok: false, reason: problem } : { ok: true };
    },
    onProblem: (message) => logger.warn(message),
    onListening: (bound) => logger.info({ address: bound }, `metrics on http://${bound}/metrics`),
  });
  const sampler: RunnerUsageSampler = startRunnerUsageSampler({
    listRunners: source.runners,
    metrics,
    intervalMs: sampleIntervalSecs * 1000,
    onProblem: (message) => logger.warn(message),
  });
  return {
    state: () => server.state(),
    close: async () => {
      sampler.stop();
      await server.close();
    },
  };
}
