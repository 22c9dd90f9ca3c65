import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { killTestDaemons, socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { type CliResult, FULL_CLI, PROJECT_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// The hot commands answered without oclif (src/cli/fast-cli.ts) must say and exit exactly what the full command
// does: each case runs both, bin/run.js and oclif alone (test/fixtures/run-full-cli.mjs), and compares.
// End to end, on the built CLI (`npm run build`).

const PROBE_PRELOAD = path.join(PROJECT_ROOT, 'test', 'fixtures', 'report-oclif-loaded.cjs');

function runIn(command: string[]): Promise<CliResult> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(file, args, { cwd: PROJECT_ROOT }, (error, stdout, stderr) => {
      const exitCode = error ? ((error as { code?: unknown }).code as number) : 0;
      resolve({ exitCode, stdout, stderr });
    });
  });
}

describe('the fast paths of the CLI answer as the full commands do', function () {
  this.slow(8000);
  this.timeout(60_000);
  let dir: string;
  let config: string;
  let probe: string;

  beforeEach(async () => {
    dir = await makeTempDir();
    probe = path.join(dir, 'oclif-probe');
    config = await writeDaemonConfig(dir, [
      { id: 'docs', files: { 'a.txt': 'alpha', 'sub/b.txt': 'beta' } },
      { id: 'off', extra: 'enabled = false' },
    ]);
  });

  afterEach(async () => {
    await killTestDaemons();
    await removeTempDirs();
  });

  /** bin/run.js, with a record of whether it loaded oclif. */
  async function runFast(args: string[]): Promise<CliResult & { oclifLoaded: boolean }> {
    fs.rmSync(probe, { force: true });
    const result = await runCli(args, {
      env: { NODE_OPTIONS: `--require ${PROBE_PRELOAD}`, OCLIF_PROBE: probe },
    });
    return { ...result, oclifLoaded: fs.readFileSync(probe, 'utf8') === 'true' };
  }

  /** Runs `args` both ways and expects the same exit code, stdout and stderr (after `normalize`). */
  async function expectSameAnswer(
    args: string[],
    { fast = true, normalize = (text: string) => text, prepare = () => {} } = {},
  ): Promise<CliResult> {
    prepare();
    const viaFastPath = await runFast(args);
    prepare();
    const viaOclif = await runCli(args, { cli: FULL_CLI });
    const shown = args.join(' ');
    expect(viaFastPath.oclifLoaded, `${shown}: answered without oclif`).to.equal(!fast);
    expect(viaFastPath.exitCode, `${shown}: exit code (${viaFastPath.stderr})`).to.equal(viaOclif.exitCode);
    expect(normalize(viaFastPath.stdout), `${shown}: stdout`).to.equal(normalize(viaOclif.stdout));
    expect(normalize(viaFastPath.stderr), `${shown}: stderr`).to.equal(normalize(viaOclif.stderr));
    return viaOclif;
  }

  // What differs from one run to the next: durations and run ids.
  const normalizeRun = (text: string) =>
    text
      .replace(/in \d+\.\d+ s/g, 'in N s')
      .replace(/"durationMs": \d+/g, '"durationMs": N')
      .replace(/docs-[a-z0-9-]+/g, 'RUN');
  const removeMirror =
    (job = 'docs') =>
    () =>
      fs.rmSync(path.join(dir, job, 'mirror'), { recursive: true, force: true });

  it('--version', async () => {
    const answer = await expectSameAnswer(['--version']);
    expect(answer.stdout).to.match(/^sync-daemon\/0\.1\.0 \S+-\S+ node-v\d+/);
  });

  it('sync once without a daemon: a copy and a no-op, text and --json, --dry-run, a disabled job', async () => {
    const copied = await expectSameAnswer(['sync', 'docs', '--config', config], {
      normalize: normalizeRun,
      prepare: removeMirror(),
    });
    expect(copied.stdout).to.match(/docs: ok in/);
    expect(copied.stdout).to.include('2 copied');
    await expectSameAnswer(['sync', 'docs', '-c', config, '--json'], { normalize: normalizeRun });
    await expectSameAnswer(['sync', 'docs', `--config=${config}`], { normalize: normalizeRun });
    const dry = await expectSameAnswer(['sync', '-n', 'docs', '--config', config], {
      normalize: normalizeRun,
      prepare: removeMirror(),
    });
    expect(dry.stdout).to.match(/^copy +a\.txt/m);
    for (const json of [[], ['--json']])
      await expectSameAnswer(['sync', 'off', '--config', config, ...json], {
        normalize: normalizeRun,
        prepare: removeMirror('off'),
      });
  });

  it('sync: the same errors and exit codes for a bad job id or config', async () => {
    const unknown = await expectSameAnswer(['sync', 'dcs', '--config', config]);
    expect(unknown.exitCode).to.equal(ExitCode.usage);
    expect(unknown.stderr).to.include('did you mean "docs"');
    await expectSameAnswer(['sync', 'dcs', '--config', config, '--json']);
    const missing = await expectSameAnswer(['sync', 'docs', '--config', path.join(dir, 'none.toml')]);
    expect(missing.exitCode).to.equal(ExitCode.usage);
    const broken = path.join(dir, 'broken.toml');
    fs.writeFileSync(broken, '[[sync_jobs]]\nid = "docs"\nsource_path = 5\n');
    const invalid = await expectSameAnswer(['sync', 'docs', '--config', broken]);
    expect(invalid.stderr).to.match(/broken\.toml:\d+:\d+: sync_jobs\[0\]/);
    await expectSameAnswer(['sync', 'docs', '--config', broken, '--json']);
  });

  it('sync with a YAML config, valid or not (yaml is loaded on demand)', async () => {
    const yaml = path.join(dir, 'config.yaml');
    const mirror = path.join(dir, 'yaml-mirror');
    const jobs = `sync_jobs:\n  - id: docs\n    source_path: ${path.join(dir, 'docs', 'source')}\n    destination_path: ${mirror}\n`;
    fs.writeFileSync(yaml, `daemon:\n  socket_path: ${path.join(dir, 'no-daemon.sock')}\n${jobs}`);
    const synced = await expectSameAnswer(['sync', 'docs', '--config', yaml], {
      normalize: normalizeRun,
      prepare: () => fs.rmSync(mirror, { recursive: true, force: true }),
    });
    expect(synced.stdout).to.include('2 copied');
    fs.writeFileSync(yaml, 'sync_jobs:\n  - id: [\n');
    const invalid = await expectSameAnswer(['sync', 'docs', '--config', yaml]);
    expect(invalid.stderr).to.match(/config\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('sync through a running daemon: triggered, followed with --wait, --json, a dry run, an unknown job', async () => {
    await TestDaemon.start(config, socketOf(dir));
    const waited = await expectSameAnswer(['sync', 'docs', '--wait', '--config', config], {
      normalize: normalizeRun,
      prepare: removeMirror(),
    });
    expect(waited.stdout).to.match(/docs: ok in .*\n.*2 copied/);
    await expectSameAnswer(['sync', 'docs', '-w', '--json', '--config', config], { normalize: normalizeRun });
    await expectSameAnswer(['sync', 'docs', '--dry-run', '--config', config], { normalize: normalizeRun });
    await expectSameAnswer(['sync', 'docs', '--socket', socketOf(dir)], { normalize: normalizeRun });
    const triggered = await expectSameAnswer(['sync', 'docs', '--json', '--config', config], {
      normalize: normalizeRun,
    });
    expect(JSON.parse(triggered.stdout)).to.include({ via: 'daemon', job: 'docs' });
    const unknown = await expectSameAnswer(['sync', 'dcs', '--wait', '--config', config]);
    expect(unknown.exitCode).to.equal(ExitCode.usage);
    await expectSameAnswer(['sync', 'dcs', '--json', '--config', config]);
  });

  it('shows its progress bar on a terminal, and runs with it through the daemon', async () => {
    // `script` gives the CLI a terminal, where the progress bar loads cli-progress on demand (from the bundle).
    const onTerminal = (args: string[]) => {
      const command = [process.execPath, path.join(PROJECT_ROOT, 'bin', 'run.js'), ...args].join(' ');
      return runIn(['script', '-qec', command, '/dev/null']);
    };
    const once = await onTerminal(['sync', 'docs', '--config', config]);
    expect(once.stdout, once.stdout).to.include('docs: ok in').and.not.include('Error');
    expect(once.stdout, 'the bar was drawn').to.include('docs [').and.include(' files | ');
    expect(once.exitCode).to.equal(0);
    // Through the daemon a run this small may end before the first poll: the bar loads, it may not be drawn.
    await TestDaemon.start(config, socketOf(dir));
    const waited = await onTerminal(['sync', 'docs', '--wait', '--config', config]);
    expect(waited.stdout, waited.stdout).to.include('docs: ok in').and.not.include('Error');
    expect(waited.exitCode).to.equal(0);
  });

  it('leaves help, missing or extra arguments and unknown flags to oclif', async () => {
    for (const args of [
      ['sync', '--help'],
      ['sync', '--config', config],
      ['sync', 'docs', 'more', '--config', config],
      ['sync', 'docs', '--wait=yes', '--config', config],
      // --log-level acts only where a daemon starts (start, restart): anywhere else it is an unknown flag.
      ['sync', 'docs', '--log-level', 'debug', '--config', config],
      ['sync', 'docs', '-c', config, '-c', config],
      ['status', 'extra'],
    ])
      await expectSameAnswer(args, { fast: false });
  });
});
