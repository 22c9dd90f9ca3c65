import pidusage from 'pidusage';
import type { RunnerUsage } from './daemon-metrics.js';

const DEFAULT_INTERVAL_MS = 5000;

// How pidusage says a pid is gone: ENOENT when /proc/<pid> (or ps) has no such process, ESRCH when a /proc file
// it kept open belonged to a process that has since exited.
const VANISHED_CODES = new Set(['ENOENT', 'ESRCH']);

/** A runner process to sample. */
export interface RunnerProcess {
  job: string;
  pid: number;
}

/** What the sampler feeds: DaemonMetrics, or a stand-in in tests. */
export interface RunnerUsageSink {
  setRunnerUsage(job: string, pid: number, usage: RunnerUsage): void;
}

export interface RunnerUsageSamplerOptions {
  /** The runners alive now; asked before every sample. */
  listRunners: () => readonly RunnerProcess[];
  metrics: RunnerUsageSink;
  intervalMs?: number;
  /** Told once of a sampling failure other than a vanished pid, again only after a sample has succeeded. */
  onProblem?: (message: string) => void;
}

export interface RunnerUsageSampler {
  /** Samples every runner now; the timer calls it too. Resolves once the sample is fed to the metrics. */
  sampleNow(): Promise<void>;
  /** Stops the timer and drops pidusage's per-pid history. */
  stop(): void;
}

/**
 * Samples the CPU time and resident memory of every runner with pidusage, all pids in one call, every
 * `intervalMs`. A runner that exited between the listing and the sample is skipped: the next listing no longer
 * has it. The timer never keeps the daemon alive.
 */
export function startRunnerUsageSampler(options: RunnerUsageSamplerOptions): RunnerUsageSampler {
  const { listRunners, metrics, intervalMs = DEFAULT_INTERVAL_MS, onProblem } = options;
  let stopped = false;
  let sampling: Promise<void> | undefined;
  let problemReported = false;

  const sample = async (): Promise<void> => {
    const runners = listRunners();
    if (runners.length === 0) return;
    const stats = await readUsage(runners.map((runner) => runner.pid));
    if (stopped) return;
    // A runner replaced, or its job removed, while it was sampled: its sample describes nothing that runs.
    const current = new Set(listRunners().map(({ job, pid }) => `${job}\0${pid}`));
    for (const { job, pid } of runners) {
      const stat = stats[pid];
      if (!stat || !current.has(`${job}\0${pid}`)) continue;
      metrics.setRunnerUsage(job, pid, { cpuSeconds: stat.ctime / 1000, rssBytes: stat.memory });
    }
    problemReported = false;
  };

  const sampleNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    // A slow sample (a loaded machine, ps on macOS) is not stacked under the next tick: the tick shares it.
    sampling ??= sample()
      .catch((error: unknown) => {
        if (problemReported || stopped) return;
        problemReported = true;
        onProblem?.(`metrics: cannot sample the runners' CPU and memory: ${(error as Error).message}`);
      })
      .finally(() => {
        sampling = undefined;
      });
    return sampling;
  };

  const timer = setInterval(() => void sampleNow(), intervalMs);
  timer.unref();

  return {
    sampleNow,
    stop() {
      stopped = true;
      clearInterval(timer);
      pidusage.clear();
    },
  };
}

/** pidusage's stats by pid; a pid that vanished has none, or null. */
async function readUsage(pids: number[]): Promise<Partial<Record<number, pidusage.Status | null>>> {
  try {
    // pidusage parses the array in place: it gets a copy.
    return await pidusage([...pids]);
  } catch (error) {
    // With several pids, pidusage gives null for (or, with ps, leaves out) the ones gone; with one, it rejects.
    if (VANISHED_CODES.has((error as NodeJS.ErrnoException).code ?? '')) return {};
    throw error;
  }
}
