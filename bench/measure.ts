/** Medians and spreads of timed rounds, and the table the bench prints. */
export interface Sample {
  scenario: string;
  contender: string;
  milliseconds: number[];
}

export interface Summary {
  scenario: string;
  contender: string;
  median: number;
  min: number;
  max: number;
  rounds: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function summarize(sample: Sample): Summary {
  const sorted = [...sample.milliseconds].sort((a, b) => a - b);
  return {
    scenario: sample.scenario,
    contender: sample.contender,
    median: median(sorted),
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    rounds: sorted.length,
  };
}

export function formatTable(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Nearest rank: a value that was actually measured. */
export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

export function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(3)} s`;
}

/** The median of a contender of one scenario, by the scenario's number ("11"), if this run measured it. */
export function medianOf(
  summaries: readonly Summary[],
  scenarioId: string,
  contender: string,
): number | undefined {
  return summaries.find(
    (summary) => summary.scenario.startsWith(`${scenarioId}. `) && summary.contender === contender,
  )?.median;
}

/** A target of the issue: in one scenario, the median of `ours` at most `max` times the median of `theirs`. */
export interface RatioTarget {
  label: string;
  scenario: string;
  ours: string;
  theirs: string;
  max: number;
}

/** One line per target whose two sides this run measured: the ratio and whether it was met. */
export function formatTargets(summaries: readonly Summary[], targets: readonly RatioTarget[]): string[] {
  const lines: string[] = [];
  for (const target of targets) {
    const ours = medianOf(summaries, target.scenario, target.ours);
    const theirs = medianOf(summaries, target.scenario, target.theirs);
    if (ours === undefined || theirs === undefined) continue;
    const ratio = ours / theirs;
    lines.push(
      `target: ${target.label}: ${ratio.toFixed(2)}× (≤ ${target.max}×: ${ratio <= target.max ? 'met' : 'MISSED'})`,
    );
  }
  return lines;
}

/**
 * How a contender's time grows from one scenario to another, against a competitor's growth: the ratio of the two
 * times, and the cost of each added file (the slope), which is what "grows no faster" judges. The ratio alone
 * favours a contender with a large fixed cost: rsync pays ~0.1 s to start its processes on any tree, so its ratio
 * stays low while each added file may cost it more than it costs us.
 */
export function formatGrowth(
  summaries: readonly Summary[],
  label: string,
  [small, large]: readonly [{ id: string; files: number }, { id: string; files: number }],
  ours: string,
  theirs: string,
): string | undefined {
  const [oursSmall, oursLarge, theirsSmall, theirsLarge] = [
    medianOf(summaries, small.id, ours),
    medianOf(summaries, large.id, ours),
    medianOf(summaries, small.id, theirs),
    medianOf(summaries, large.id, theirs),
  ];
  if (!oursSmall || !oursLarge || !theirsSmall || !theirsLarge) return undefined;
  const added = large.files - small.files;
  const perFile = (smallMs: number, largeMs: number) => ((largeMs - smallMs) * 1000) / added;
  const [ourSlope, theirSlope] = [perFile(oursSmall, oursLarge), perFile(theirsSmall, theirsLarge)];
  return (
    `target: ${label}: ${ours} ×${(oursLarge / oursSmall).toFixed(1)} (${ourSlope.toFixed(2)} µs per added ` +
    `file), ${theirs} ×${(theirsLarge / theirsSmall).toFixed(1)} (${theirSlope.toFixed(2)} µs) ` +
    `(each added file no dearer: ${ourSlope <= theirSlope ? 'met' : 'MISSED'})`
  );
}
