import fs from 'node:fs';
import path from 'node:path';
import { formatFloors, TARGETS } from './issue-8-targets.js';
import {
  formatGrowth,
  formatSeconds,
  formatTable,
  formatTargets,
  type Sample,
  summarize,
} from './measure.js';

/** Issue 8's target for the engine's peak RSS on the small tree. */
const TARGET_PEAK_RSS_BYTES = 150e6;

/** Our contenders; the report gives each one its ratio to every other contender of its scenario. */
const isOurs = (contender: string) => contender.startsWith('engine') || contender.startsWith('sync-daemon');

/**
 * The bench's table (medians, min, max, ratios to the competitors), its notes and issue 8's targets: written to
 * `<work>/results.txt` and `results.json` after every scenario, printed at the end (`final`).
 */
export function writeReport(
  work: string,
  { samples, notes, rounds }: { samples: readonly Sample[]; notes: readonly string[]; rounds: number },
  final: boolean,
): void {
  const summaries = samples.map(summarize);
  const rows = [['scenario', 'contender', 'median', 'min', 'max', 'vs competitor (median ratio)']];
  for (const summary of summaries) {
    const competitors = summaries.filter(
      (other) => other.scenario === summary.scenario && !isOurs(other.contender),
    );
    const ratios = isOurs(summary.contender)
      ? competitors
          .map((other) => `${(summary.median / other.median).toFixed(2)}× ${other.contender}`)
          .join(', ')
      : '';
    rows.push([
      summary.scenario,
      summary.contender,
      formatSeconds(summary.median),
      formatSeconds(summary.min),
      formatSeconds(summary.max),
      ratios,
    ]);
  }
  const growth = formatGrowth(
    summaries,
    'no-op cost from 20,000 to 200,000 files (scenarios 3 → 6)',
    [
      { id: '3', files: 20_000 },
      { id: '6', files: 200_000 },
    ],
    'engine',
    'rsync -a',
  );
  const targets = [
    ...formatTargets(summaries, TARGETS),
    ...(growth ? [growth] : []),
    ...formatFloors(summaries),
  ];
  const text =
    `${formatTable(rows)}\n\n${[...notes, ...targets].join('\n')}\n` +
    `(rounds: ${rounds} after one warm-up)\n`;
  if (final) process.stdout.write(text);
  fs.writeFileSync(path.join(work, 'results.txt'), text);
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify({ summaries, notes }, null, 2));
}

/** A peak RSS against issue 8's target. */
export function describePeakRss(bytes: number): string {
  const verdict = bytes <= TARGET_PEAK_RSS_BYTES ? 'met' : 'MISSED';
  return `${megabytes(bytes)} (target ≤ ${megabytes(TARGET_PEAK_RSS_BYTES)}: ${verdict})`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}
