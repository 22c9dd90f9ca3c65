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
