import { spawn } from 'node:child_process';

export interface RsyncResult {
  exitCode: number | null;
  stderr: string;
}

/**
 * `rsync -a --delete` of `source` into `destination` with the job's filters translated: what the engine's
 * mirror is compared with. Never rejects on a non-zero exit (23: some entries failed, as `partial`).
 *
 * `--modify-window=-1` makes rsync compare times to the nanosecond, as the engine does (to ~2 µs). By default
 * rsync compares whole seconds: it skips a same-size edit made within the second of the last copy, and it
 * leaves a folder or symlink it made in the same second as its source's time with the time it was made.
 */
export function runRsync(
  source: string,
  destination: string,
  filters: readonly string[],
): Promise<RsyncResult> {
  const args = [
    '-a',
    '--delete',
    '--modify-window=-1',
    ...toRsyncFilterArgs(filters),
    `${source}/`,
    `${destination}/`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('rsync', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stderr }));
  });
}

/**
 * The engine's filters as rsync rules. gitignore lets the last matching pattern win, rsync the first: the
 * order is reversed, and a `!pattern` (re-include) becomes `--include=pattern`. Only patterns that mean the
 * same to both belong here: names and globs (`*.tmp`), dir-only (`cache/`), anchored (`/build`) and patterns
 * with a slash in the middle, which both match at any depth (the engine by rsync's rule, see compile-filters).
 */
export function toRsyncFilterArgs(filters: readonly string[]): string[] {
  return [...filters]
    .reverse()
    .map((pattern) => (pattern.startsWith('!') ? `--include=${pattern.slice(1)}` : `--exclude=${pattern}`));
}
