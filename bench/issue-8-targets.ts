import type { RatioTarget } from './measure.js';

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
