import type { DaemonMetrics } from '../../../src/telemetry/metrics/daemon-metrics.js';

/** One line of the Prometheus text format: a sample's name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of an exposition, comments left out. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL_PAIR)) labels[name ?? ''] = value ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(text: string, name: string, labels: Record<string, string> = {}): Sample[] {
  return parseExposition(text).filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The value of the one sample named `name` with these labels (among others); undefined when there is none. */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samplesOf(text, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** Every metric family the exposition declares (`# TYPE`), with its type. */
export function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(name ?? '', type ?? '');
  return types;
}

/** Every name a PromQL expression may use against this exposition: sample names and family names. */
export function exposedNames(text: string): Set<string> {
  return new Set([...parseExposition(text).map((sample) => sample.name), ...metricTypes(text).keys()]);
}

/** Calls every method of DaemonMetrics for each job, so that every series of every metric exists. */
export function exerciseEveryMethod(metrics: DaemonMetrics, jobs: readonly string[]): void {
  const finishedAtMs = Date.UTC(2026, 0, 1);
  for (const [index, job] of jobs.entries()) {
    metrics.triggered(job, 'interval');
    metrics.triggered(job, 'watch');
    metrics.triggerRejected(job, 'queue_full');
    metrics.runStarted(job);
    metrics.runFinished(job, {
      outcome: 'ok',
      durationSeconds: 1.5 + index,
      stats: { copied: 3, updated: 2, deleted: 1, skipped: 10, bytesCopied: 4096 },
      errorCounts: {},
      finishedAtMs,
      dryRun: false,
    });
    metrics.runStarted(job);
    metrics.runFinished(job, {
      outcome: 'partial',
      durationSeconds: 0.2,
      stats: { copied: 1, updated: 0, deleted: 0, skipped: 0, bytesCopied: 10 },
      errorCounts: { EACCES: 1, ENOSPC: 1, WHATEVER: 1 },
      finishedAtMs: finishedAtMs + 1000,
      dryRun: false,
    });
    metrics.setRunnerState(job, 'idle');
    metrics.runnerRestarted(job);
    metrics.setRunnerUsage(job, 1000 + index, { cpuSeconds: 0.5, rssBytes: 40_000_000 });
    metrics.watcherEvents(job, 'create', 4);
    metrics.watcherEvents(job, 'overflow');
    metrics.setWatchedFolders(job, 12);
    metrics.setScheduleInterval(job, 300);
  }
  const first = jobs[0];
  if (first !== undefined) metrics.runStarted(first);
  metrics.setQueueDepth(2);
  metrics.configReloaded('ok');
  metrics.configReloaded('failed');
}
