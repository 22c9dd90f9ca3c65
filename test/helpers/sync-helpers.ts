import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runSync } from '../../src/engine/run-sync.js';
import type { EntryKind, PlanEntry, SyncRequest, SyncResult } from '../../src/engine/types.js';
import { type CliResult, type RunCliOptions, runCli } from './run-cli.js';

// Below mocha's 20 s test timeout, so that a CLI that never exits fails its test with exit code 124 and is
// killed, instead of outliving the test.
const CLI_DEADLINE_SECONDS = 15;
export const CLI_TIMED_OUT = 124;

/** runCli with a deadline: coreutils `timeout` kills the CLI (and the user switch before it) if it hangs. */
export function runCliWithin(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const deadline = ['timeout', '--kill-after=2', String(CLI_DEADLINE_SECONDS)];
  return runCli(args, { ...options, wrapper: [...deadline, ...(options.wrapper ?? [])] });
}

/** A complete request with the defaults most tests want; each test overrides only what it is about. */
export function makeSyncRequest(
  source: string,
  destination: string,
  overrides: Partial<SyncRequest> = {},
): SyncRequest {
  return {
    source,
    destination,
    filters: [],
    ignoreHiddenFiles: false,
    comparison: 'mtime',
    preservePermissions: true,
    preserveTimestamps: true,
    deleteExtraneous: false,
    dryRun: false,
    maxFileOperations: 8,
    trashRetentionDays: 30,
    fsync: false,
    metadataCacheTtlMs: 60_000,
    ...overrides,
  };
}

/** Runs the engine and keeps every plan entry it reported, in order. */
export async function syncAndCollect(
  request: SyncRequest,
): Promise<{ result: SyncResult; plan: PlanEntry[] }> {
  const plan: PlanEntry[] = [];
  const result = await runSync({ ...request, onPlanEntry: (entry) => plan.push(entry) });
  return { result, plan };
}

export interface EntrySnapshot {
  kind: EntryKind;
  mode: number;
  mtimeMs: number;
  /** Files only: folder sizes depend on the filesystem's history, not on what a mirror holds. */
  size?: number;
  content?: string;
  target?: string;
}

/** Relative path ("." for the root) → what lstat and a read say about it; nothing is followed or opened but files. */
export type TreeSnapshot = Record<string, EntrySnapshot>;

export function snapshotTree(root: string): TreeSnapshot {
  const snapshot: TreeSnapshot = {};
  const visit = (relative: string): void => {
    const absolute = relative === '.' ? root : path.join(root, relative);
    const stats = fs.lstatSync(absolute);
    const entry: EntrySnapshot = { kind: kindOf(stats), mode: stats.mode & 0o7777, mtimeMs: stats.mtimeMs };
    if (entry.kind === 'file') {
      entry.size = stats.size;
      entry.content = fs.readFileSync(absolute, 'utf8');
    } else if (entry.kind === 'symlink') {
      entry.target = fs.readlinkSync(absolute);
    }
    snapshot[relative] = entry;
    if (entry.kind === 'dir') {
      for (const name of fs.readdirSync(absolute).sort()) {
        visit(relative === '.' ? name : `${relative}/${name}`);
      }
    }
  };
  visit('.');
  return snapshot;
}

/** The sorted paths of a tree, folders with a trailing "/", the root left out: what a filter test compares. */
export function listTree(root: string): string[] {
  return Object.entries(snapshotTree(root))
    .filter(([relative]) => relative !== '.')
    .map(([relative, entry]) => (entry.kind === 'dir' ? `${relative}/` : relative))
    .sort();
}

/**
 * Asserts that `actual` mirrors `expected`: same paths, kinds, contents and link targets, and (unless turned off)
 * the same modes and modification times, the latter within the 2 µs that utimes() may lose.
 */
export function expectSameTree(
  actual: TreeSnapshot,
  expected: TreeSnapshot,
  options: { modes?: boolean; times?: boolean } = {},
): void {
  const { modes = true, times = true } = options;
  const project = (snapshot: TreeSnapshot) =>
    Object.fromEntries(
      Object.entries(snapshot).map(([relative, { mtimeMs: _mtime, mode, ...rest }]) => [
        relative,
        modes ? { ...rest, mode: mode.toString(8) } : rest,
      ]),
    );
  expect(project(actual)).to.deep.equal(project(expected));
  if (!times) return;
  const drifts = Object.entries(expected)
    .filter(
      ([relative, entry]) => Math.abs((actual[relative]?.mtimeMs ?? Number.NaN) - entry.mtimeMs) >= 0.002,
    )
    .map(([relative, entry]) => `${relative}: ${actual[relative]?.mtimeMs} instead of ${entry.mtimeMs}`);
  expect(drifts, 'modification times that differ').to.deep.equal([]);
}

/** Sets a path's access and modification times to the same instant, without following a symlink. */
export function setMtime(file: string, mtimeMs: number): void {
  fs.lutimesSync(file, mtimeMs / 1000, mtimeMs / 1000);
}

/** Polls until `condition` holds, failing after `timeoutMs`: a ceiling, never a fixed sleep (STYLE.md rule 22). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 5000, intervalMs = 20, what = 'a condition' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// The metadata cache distrusts a hash taken less than 2 s after the file's last change (metadata-cache.ts).
const RACY_WINDOW_MS = 2000;

/**
 * Waits until every file under `roots` last changed (mtime and ctime) more than the cache's racy window ago, so
 * that a hash taken from now on is one the cache may trust in a later run.
 */
export async function waitPastRacyWindow(...roots: string[]): Promise<void> {
  let lastChange = 0;
  for (const root of roots) {
    for (const relative of Object.keys(snapshotTree(root))) {
      const stats = fs.lstatSync(relative === '.' ? root : path.join(root, relative));
      lastChange = Math.max(lastChange, stats.mtimeMs, stats.ctimeMs);
    }
  }
  // The kernel stamps ctime from a clock that may run a few ms behind Date.now(): 100 ms of margin.
  await waitFor(() => Date.now() - lastChange > RACY_WINDOW_MS + 100, {
    timeoutMs: RACY_WINDOW_MS + 5000,
    what: 'the metadata cache racy window to pass',
  });
}

function kindOf(stats: fs.Stats): EntryKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'special';
}
