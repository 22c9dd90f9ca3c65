import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isTempName } from '../../src/engine/temp-names.js';
import { RUNNER_JOB_ENV, type RunnerJob } from '../../src/ipc/runner-job.js';
import { parseRunnerMessage, type RunnerToSupervisor } from '../../src/ipc/runner-protocol.js';
import { diffMirrors, readMirror } from '../helpers/mirror-differences.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { expectSameTree, makeSyncRequest, snapshotTree, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// Chaos: a real runner process (runners/sync-runner.js, on the built dist/) is killed with SIGKILL at a random
// point of a run, KILLS times, the source changing between runs. After every kill, each file under a real name
// in the destination must hold a complete version its source path once had; after a last clean run the
// destination equals the source, with no temp file left. Kill points come from the seed (CHAOS_SEED replays or
// varies them) and are counted in the run's own progress, so that they land mid-run however loaded the machine.
const RUNNER = path.join(PROJECT_ROOT, 'runners', 'sync-runner.js');
const SEED = Number(process.env.CHAOS_SEED ?? 20);
const KILLS = 20;
const FOLDERS = 20;
const SMALL_FILES = 300;
const LARGE_FILES = 3;
const LARGE_BYTES = 6 << 20;
const DEADLINE_MS = 15_000;

/** The source tree and every content each of its paths ever had. */
class VersionedSource {
  readonly versions = new Map<string, Set<string>>();

  constructor(
    readonly root: string,
    private readonly random: SeededRandom,
  ) {}

  write(relative: string, size: number): void {
    const content = this.random.bytes(size);
    const file = path.join(this.root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    const hashes = this.versions.get(relative) ?? new Set<string>();
    hashes.add(sha256(content));
    this.versions.set(relative, hashes);
  }

  files(): string[] {
    return [...this.versions.keys()].filter((relative) => fs.existsSync(path.join(this.root, relative)));
  }
}

/** One runner process as its supervisor sees it: messages checked on arrival, an exit to wait for. */
class ChaosRunner {
  readonly messages: RunnerToSupervisor[] = [];
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (value) => {
      const parsed = parseRunnerMessage(value);
      if (parsed.ok) this.messages.push(parsed.message);
    });
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
  }

  has(type: RunnerToSupervisor['type']): boolean {
    return this.messages.some((message) => message.type === type);
  }

  /** The latest progress report, zeros before the first. */
  progress(): { filesDone: number } {
    const reports = this.messages.filter((message) => message.type === 'progress');
    return reports[reports.length - 1]?.progress ?? { filesDone: 0 };
  }

  result(): Extract<RunnerToSupervisor, { type: 'result' }> | undefined {
    return this.messages.find((message) => message.type === 'result') as
      | Extract<RunnerToSupervisor, { type: 'result' }>
      | undefined;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

describe('a runner killed with SIGKILL mid-run, again and again (chaos)', function () {
  this.timeout(90_000);
  this.slow(40_000);
  const runners: ChaosRunner[] = [];

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.kill()));
    await removeTempDirs();
  });

  it(`leaves only complete versions under real names after each of ${KILLS} kills, and converges`, async () => {
    const dir = await makeTempDir('sync-daemon-chaos-');
    const random = new SeededRandom(SEED);
    const source = new VersionedSource(path.join(dir, 'source'), random);
    const destination = path.join(dir, 'destination');
    makeInitialTree(source, random);

    /** Forks a runner; it boots while the caller goes on (the source is mutated meanwhile). */
    const spawnRunner = (): ChaosRunner => {
      // One lock folder for all: each runner must take over the lock its SIGKILLed predecessor left, at once.
      const job: RunnerJob = {
        id: 'chaos',
        lockDir: path.join(dir, 'locks'),
        watchers: [],
        logLevel: 'debug',
        ...withoutDryRun(makeSyncRequest(source.root, destination, { deleteExtraneous: true })),
      };
      const runner = new ChaosRunner(
        fork(RUNNER, [], {
          env: { ...process.env, [RUNNER_JOB_ENV]: JSON.stringify(job) },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        }),
      );
      runners.push(runner);
      return runner;
    };
    const startRun = async (runner: ChaosRunner, runId: string): Promise<void> => {
      await waitFor(() => runner.has('ready'), { timeoutMs: DEADLINE_MS, what: 'the runner to be ready' });
      runner.child.send({ type: 'sync', runId, mode: 'full' });
    };
    const runToEnd = async (runner: ChaosRunner, runId: string) => {
      await startRun(runner, runId);
      await waitFor(() => runner.has('result'), { timeoutMs: DEADLINE_MS * 2, what: 'the run to end' });
      return runner.result();
    };

    // Kill points are counted in what the run has done, never in milliseconds, so that the same seed lands at
    // the same share of a run on a fast or a loaded machine. From the second run on, the kill comes at the k-th
    // inotify event in the destination's folders (a temp file made, written, renamed: several per file, so k
    // up to twice the files the run must copy lies within the run), or at the k-th event in `large/` alone
    // (k ≤ 3: within the milliseconds a large file takes to copy). The kill is sent from the event handler
    // itself, with no event-loop turn in between. The first run, into a destination not made yet, is killed
    // once its progress reports (at most ten a second) say that k of its files are done.
    let killedMidRun = 0;
    let killedWithTempFiles = 0;
    const killPoints: string[] = [];
    let changedFiles = source.files().length;
    for (let kill = 0; kill < KILLS; kill++) {
      const runner = spawnRunner();
      if (kill > 0) changedFiles = mutateSource(source, random);
      const folders = fs.existsSync(destination) ? destinationFolders(destination) : [];
      const kind = folders.length === 0 ? 'files' : random.pick(['events', 'large-file events'] as const);
      const watched =
        kind === 'large-file events' ? folders.filter((folder) => folder.endsWith('/large')) : folders;
      const target =
        kind === 'files'
          ? random.int(1, Math.max(1, Math.floor(changedFiles * 0.8)))
          : random.int(1, kind === 'events' ? 2 * changedFiles : 3);
      killPoints.push(`${target} ${kind}`);
      let events = 0;
      const watchers = watched.map((folder) =>
        fs.watch(folder, () => {
          if (++events === target) runner.child.kill('SIGKILL');
        }),
      );
      await startRun(runner, `run-${kill}`);
      await waitFor(
        () =>
          (kind === 'files' ? runner.progress().filesDone >= target : events >= target) ||
          runner.has('result'),
        { timeoutMs: DEADLINE_MS, what: `${target} ${kind}` },
      );
      for (const watcher of watchers) watcher.close();
      await runner.kill();
      const finished = runner.result();
      if (!finished) killedMidRun++;
      // A run that ended before its kill must have mirrored (a lock left by the previous kill would fail it).
      else expect(finished.outcome, JSON.stringify(finished.errors)).to.equal('ok');

      const { tempFiles, foreign } = inspectDestination(destination, source.versions);
      if (tempFiles > 0) killedWithTempFiles++;
      const where = `after kill ${kill + 1} (seed ${SEED}, kill point ${killPoints[kill]})`;
      expect(foreign, where).to.deep.equal([]);
    }

    const result = await runToEnd(spawnRunner(), 'final');
    expect(result?.outcome, JSON.stringify(result?.errors)).to.equal('ok');
    expectSameTree(snapshotTree(destination), snapshotTree(source.root));
    expect(diffMirrors(readMirror(destination), readMirror(source.root))).to.deep.equal([]);
    expect(inspectDestination(destination, source.versions).tempFiles, 'temp files left').to.equal(0);

    console.log(
      `      chaos (seed ${SEED}): ${killedMidRun}/${KILLS} kills landed mid-run, ${killedWithTempFiles} left a ` +
        `temp file (killed mid-copy); kill points: ${killPoints.join(', ')}`,
    );
    // Most kills must catch a run in progress, or this test proves little.
    expect(killedMidRun, 'kills that landed mid-run').to.be.at.least(KILLS * 0.75);
  });
});

function makeInitialTree(source: VersionedSource, random: SeededRandom): void {
  for (let index = 0; index < SMALL_FILES; index++) {
    source.write(`folder-${index % FOLDERS}/file-${index}.bin`, random.int(1, 8192));
  }
  for (let index = 0; index < LARGE_FILES; index++) {
    source.write(`large/large-${index}.bin`, LARGE_BYTES + random.int(0, 65_536));
  }
}

/**
 * Between runs: most large files and a fifth of the small ones get new content; some files go, some come.
 * Returns how many files were written (what the next run has to copy, at least).
 */
function mutateSource(source: VersionedSource, random: SeededRandom): number {
  let written = 0;
  for (const relative of source.files()) {
    const isLarge = relative.startsWith('large/');
    if (isLarge) {
      if (random.chance(0.75)) {
        source.write(relative, LARGE_BYTES + random.int(0, 65_536));
        written++;
      }
    } else if (random.chance(0.03)) {
      fs.rmSync(path.join(source.root, relative));
    } else if (random.chance(0.2)) {
      source.write(relative, random.int(0, 8192));
      written++;
    }
  }
  for (let index = 0; index < 10; index++) {
    source.write(
      `folder-${random.int(0, FOLDERS - 1)}/new-${random.int(0, 1_000_000)}.bin`,
      random.int(1, 8192),
    );
    written++;
  }
  return written;
}

/** Temp files (expected mid-run) and files under real names holding no version their source ever had. */
function inspectDestination(
  destination: string,
  versions: ReadonlyMap<string, ReadonlySet<string>>,
): { tempFiles: number; foreign: string[] } {
  let tempFiles = 0;
  const foreign: string[] = [];
  const visit = (relative: string) => {
    const absolute = relative ? path.join(destination, relative) : destination;
    if (!fs.existsSync(absolute)) return;
    for (const entry of fs.readdirSync(absolute, { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(child);
      else if (isTempName(entry.name)) tempFiles++;
      else if (!versions.get(child)?.has(sha256(fs.readFileSync(path.join(destination, child))))) {
        foreign.push(
          `${child}: ${fs.statSync(path.join(destination, child)).size} B, no version of its source`,
        );
      }
    }
  };
  visit('');
  return { tempFiles, foreign };
}

/** The destination root and its folders, where the run's writes show as inotify events. */
function destinationFolders(destination: string): string[] {
  const folders = [destination];
  const visit = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      folders.push(path.join(folder, entry.name));
      visit(path.join(folder, entry.name));
    }
  };
  visit(destination);
  return folders;
}

function withoutDryRun<T extends { dryRun: boolean }>({ dryRun: _dryRun, ...rest }: T): Omit<T, 'dryRun'> {
  return rest;
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
