import type { RatioTarget } from './measure.js';

// Issue 8's targets, each printed with its ratio from this run when both sides were measured.
export const TARGETS: RatioTarget[] = [
  {
    label: 'initial copy, one-shot CLI vs rsync -a',
    ours: ['1', 'engine (CLI)'],
    theirs: ['1', 'rsync -a'],
    max: 1.1,
  },
  {
    label: 'no-op, one-shot CLI vs rsync -a',
    ours: ['12', 'engine (CLI)'],
    theirs: ['12', 'rsync -a'],
    max: 1.5,
  },
  {
    label: 'no-op, sync --wait through the daemon vs rsync -a',
    ours: ['12', 'sync-daemon sync --wait'],
    theirs: ['12', 'rsync -a'],
    max: 1.2,
  },
  {
    label: 'checksum no-op with the persistent cache vs the mtime no-op',
    ours: ['4', 'engine checksum+cache'],
    theirs: ['4', 'engine mtime'],
    max: 1.2,
  },
  { label: 'huge no-op, engine vs rsync -a', ours: ['6', 'engine'], theirs: ['6', 'rsync -a'], max: 1.0 },
  {
    label: 'status start-up vs node -e 0',
    ours: ['13', 'sync-daemon status'],
    theirs: ['13', 'node -e 0'],
    max: 2,
  },
  {
    label: 'sync --wait start-up (a 1-file job) vs node -e 0',
    ours: ['13', 'sync-daemon sync --wait, 1 file'],
    theirs: ['13', 'node -e 0'],
    max: 2,
  },
  {
    label: '--version vs node -e 0',
    ours: ['13', 'sync-daemon --version'],
    theirs: ['13', 'node -e 0'],
    max: 2,
  },
];
