import { fileCountOf } from './generate-tree.js';
import {
  formatGrowth,
  formatSeconds,
  medianOf,
  megabytes,
  type RatioTarget,
  type Summary,
} from './measure.js';

// Issue 8's targets, each printed with its ratio from this run when both sides were measured.
export const TARGETS: RatioTarget[] = [
  {
    label: 'initial copy, one-shot CLI vs rsync -a',
    scenario: '1',
    ours: 'engine (CLI)',
    theirs: 'rsync -a',
    max: 1.1,
  },
  {
    label: 'no-op, one-shot CLI vs rsync -a',
    scenario: '12',
    ours: 'engine (CLI)',
    theirs: 'rsync -a',
    max: 1.5,
  },
  {
    label: 'no-op, sync --wait through the daemon vs rsync -a',
    scenario: '12',
    ours: 'sync-daemon sync --wait',
    theirs: 'rsync -a',
    max: 1.2,
  },
  {
    label: 'checksum no-op with the persistent cache vs the mtime no-op',
    scenario: '4',
    ours: 'engine checksum+cache',
    theirs: 'engine mtime',
    max: 1.2,
  },
  { label: 'huge no-op, engine vs rsync -a', scenario: '6', ours: 'engine', theirs: 'rsync -a', max: 1.0 },
  {
    label: 'status start-up vs node -e 0',
    scenario: '13',
    ours: 'sync-daemon status',
    theirs: 'node -e 0',
    max: 2,
  },
  {
    label: 'sync --wait start-up (a 1-file job) vs node -e 0',
    scenario: '13',
    ours: 'sync-daemon sync --wait, 1 file',
    theirs: 'node -e 0',
    max: 2,
  },
  {
    label: '--version vs node -e 0',
    scenario: '13',
    ours: 'sync-daemon --version',
    theirs: 'node -e 0',
    max: 2,
  },
];

/** Issue 8's target for the engine's peak RSS on the small tree. */
const TARGET_PEAK_RSS_BYTES = 150e6;

/** A peak RSS against issue 8's target. */
export function describePeakRss(bytes: number): string {
  const verdict = bytes <= TARGET_PEAK_RSS_BYTES ? 'met' : 'MISSED';
  return `${megabytes(bytes)} (target ≤ ${megabytes(TARGET_PEAK_RSS_BYTES)}: ${verdict})`;
}

/** Issue 8's scale target: the no-op's cost grows from the small tree to the huge one no faster than rsync's. */
export function formatIssue8Growth(summaries: readonly Summary[]): string[] {
  const growth = formatGrowth(
    summaries,
    'no-op cost from the small tree to the huge one (scenarios 3 → 6)',
    [
      { id: '3', files: fileCountOf('small') },
      { id: '6', files: fileCountOf('huge') },
    ],
    'engine',
    'rsync -a',
  );
  return growth ? [growth] : [];
}

/**
 * What no Node.js program can beat on this machine, measured in the same run, beside the two CLI targets it
 * bounds: the one-shot no-op cannot cost less than `node-floor.mjs` (scenario 12), and `sync --wait` through
 * a daemon cannot cost less than a client's bare start-up (`node -e 0`, scenario 13) plus the warm engine's
 * run (scenario 12), and no more can the one-shot initial copy (scenario 1).
 */
export function formatFloors(summaries: readonly Summary[]): string[] {
  const of = (scenarioId: string, contender: string) => medianOf(summaries, scenarioId, contender);
  const floors: { label: string; parts: (number | undefined)[]; rsync: number | undefined }[] = [
    {
      label: 'one-shot initial copy, node -e 0 + the warm engine',
      parts: [of('13', 'node -e 0'), of('1', 'engine')],
      rsync: of('1', 'rsync -a'),
    },
    { label: `one-shot no-op, ${NODE_FLOOR}`, parts: [of('12', NODE_FLOOR)], rsync: of('12', 'rsync -a') },
    {
      label: 'sync --wait through the daemon, node -e 0 + the warm engine',
      parts: [of('13', 'node -e 0'), of('12', 'engine')],
      rsync: of('12', 'rsync -a'),
    },
  ];
  const lines: string[] = [];
  for (const { label, parts, rsync } of floors) {
    if (rsync === undefined || parts.some((part) => part === undefined)) continue;
    const floor = parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
    lines.push(`floor: ${label}: ${formatSeconds(floor)} = ${(floor / rsync).toFixed(2)}× rsync -a`);
  }
  return lines;
}

/** Scenario 12's contender that lists both trees and compares them in a fresh process, and nothing else. */
export const NODE_FLOOR = 'node floor (lists and compares only)';
