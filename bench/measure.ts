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

export function summarize(sample: Sample): Summary {
  const sorted = [...sample.milliseconds].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return {
    scenario: sample.scenario,
    contender: sample.contender,
    median,
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

export function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(3)} s`;
}

/** A contender of one scenario, by the scenario's number ("11") and the contender's name. */
export type ContenderRef = readonly [scenarioId: string, contender: string];

/** A target of the issue: the median of `ours` at most `max` times the median of `theirs`. */
export interface RatioTarget {
  label: string;
  ours: ContenderRef;
  theirs: ContenderRef;
  max: number;
}

/** One line per target whose two sides this run measured: the ratio and whether it was met. */
export function formatTargets(summaries: readonly Summary[], targets: readonly RatioTarget[]): string[] {
  const medianOf = ([id, contender]: ContenderRef) =>
    summaries.find((summary) => summary.scenario.startsWith(`${id}. `) && summary.contender === contender)
      ?.median;
  const lines: string[] = [];
  for (const target of targets) {
    const ours = medianOf(target.ours);
    const theirs = medianOf(target.theirs);
    if (ours === undefined || theirs === undefined) continue;
    const ratio = ours / theirs;
    lines.push(
      `target: ${target.label}: ${ratio.toFixed(2)}× (≤ ${target.max}×: ${ratio <= target.max ? 'met' : 'MISSED'})`,
    );
  }
  return lines;
}

/** How a contender's time grows from one scenario to another, against a competitor's growth. */
export function formatGrowth(
  summaries: readonly Summary[],
  label: string,
  [smallId, largeId]: readonly [string, string],
  ours: string,
  theirs: string,
): string | undefined {
  const medianOf = (id: string, contender: string) =>
    summaries.find((summary) => summary.scenario.startsWith(`${id}. `) && summary.contender === contender)
      ?.median;
  const [oursSmall, oursLarge, theirsSmall, theirsLarge] = [
    medianOf(smallId, ours),
    medianOf(largeId, ours),
    medianOf(smallId, theirs),
    medianOf(largeId, theirs),
  ];
  if (!oursSmall || !oursLarge || !theirsSmall || !theirsLarge) return undefined;
  const growth = oursLarge / oursSmall;
  const theirGrowth = theirsLarge / theirsSmall;
  return (
    `target: ${label}: ${ours} ×${growth.toFixed(1)}, ${theirs} ×${theirGrowth.toFixed(1)} ` +
    `(no faster: ${growth <= theirGrowth ? 'met' : 'MISSED'})`
  );
}
