import fs from 'node:fs';
import path from 'node:path';
import { formatFloors, formatIssue8Growth, TARGETS } from './issue-8-targets.js';
import { formatSeconds, formatTable, formatTargets, type Sample, summarize } from './measure.js';

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
  const targets = [
    ...formatTargets(summaries, TARGETS),
    ...formatIssue8Growth(summaries),
    ...formatFloors(summaries),
  ];
  const text =
    `${formatTable(rows)}\n\n${[...notes, ...targets].join('\n')}\n` +
    `(rounds: ${rounds} after one warm-up)\n`;
  if (final) process.stdout.write(text);
  fs.writeFileSync(path.join(work, 'results.txt'), text);
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify({ summaries, notes }, null, 2));
}
