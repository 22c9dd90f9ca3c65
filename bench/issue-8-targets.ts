import { formatSeconds, type RatioTarget, type Summary } from './measure.js';

/** Ours against theirs, both of one scenario: at most `max` times theirs. */
function ratio(label: string, scenario: string, ours: string, theirs: string, max: number): RatioTarget {
  return { label, ours: [scenario, ours], theirs: [scenario, theirs], max };
}

// Issue 8's targets, each printed with its ratio from this run when both sides were measured.
export const TARGETS: RatioTarget[] = [
  ratio('initial copy, one-shot CLI vs rsync -a', '1', 'engine (CLI)', 'rsync -a', 1.1),
  ratio('no-op, one-shot CLI vs rsync -a', '12', 'engine (CLI)', 'rsync -a', 1.5),
  ratio(
    'no-op, sync --wait through the daemon vs rsync -a',
    '12',
    'sync-daemon sync --wait',
    'rsync -a',
    1.2,
  ),
  ratio(
    'checksum no-op with the persistent cache vs the mtime no-op',
    '4',
    'engine checksum+cache',
    'engine mtime',
    1.2,
  ),
  ratio('huge no-op, engine vs rsync -a', '6', 'engine', 'rsync -a', 1.0),
  ratio('status start-up vs node -e 0', '13', 'sync-daemon status', 'node -e 0', 2),
  ratio(
    'sync --wait start-up (a 1-file job) vs node -e 0',
    '13',
    'sync-daemon sync --wait, 1 file',
    'node -e 0',
    2,
  ),
  ratio('--version vs node -e 0', '13', 'sync-daemon --version', 'node -e 0', 2),
];

/**
 * What no Node.js program can beat on this machine, measured in the same run, beside the two CLI targets it
 * bounds: the one-shot no-op cannot cost less than `node-floor.mjs` (scenario 12), and `sync --wait` through
 * a daemon cannot cost less than a client's bare start-up (`node -e 0`, scenario 13) plus the warm engine's
 * run (scenario 12), and no more can the one-shot initial copy (scenario 1).
 */
export function formatFloors(summaries: readonly Summary[]): string[] {
  const medianOf = (id: string, contender: string) =>
    summaries.find((summary) => summary.scenario.startsWith(`${id}. `) && summary.contender === contender)
      ?.median;
  const lines: string[] = [];
  const nodeStart = medianOf('13', 'node -e 0');
  const [copyEngine, copyRsync] = [medianOf('1', 'engine'), medianOf('1', 'rsync -a')];
  if (nodeStart !== undefined && copyEngine !== undefined && copyRsync !== undefined) {
    const floor = nodeStart + copyEngine;
    lines.push(
      `floor: one-shot initial copy, node -e 0 + the warm engine: ${formatSeconds(floor)} = ` +
        `${(floor / copyRsync).toFixed(2)}× rsync -a`,
    );
  }
  const rsync = medianOf('12', 'rsync -a');
  if (rsync === undefined) return lines;
  const oneShotFloor = medianOf('12', NODE_FLOOR);
  if (oneShotFloor !== undefined)
    lines.push(
      `floor: one-shot no-op, ${NODE_FLOOR}: ${formatSeconds(oneShotFloor)} = ${(oneShotFloor / rsync).toFixed(2)}× rsync -a`,
    );
  const warmEngine = medianOf('12', 'engine');
  if (nodeStart !== undefined && warmEngine !== undefined) {
    const floor = nodeStart + warmEngine;
    lines.push(
      `floor: sync --wait through the daemon, node -e 0 + the warm engine: ${formatSeconds(floor)} = ` +
        `${(floor / rsync).toFixed(2)}× rsync -a`,
    );
  }
  return lines;
}

/** Scenario 12's contender that lists both trees and compares them in a fresh process, and nothing else. */
export const NODE_FLOOR = 'node floor (lists and compares only)';
