import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../../src/config/schema.js';
import { AS_NOBODY, PROJECT_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// End to end through bin/run.js, the way a user runs the built CLI.
const EXAMPLE = path.join(PROJECT_ROOT, 'examples', 'config.toml');
const SEED = path.join(PROJECT_ROOT, 'test', 'fixtures', 'seed-example.toml');
const BROKEN = path.join(PROJECT_ROOT, 'test', 'fixtures', 'broken-configs', '49-many-problems-at-once.toml');

describe('sync-daemon config (CLI)', function () {
  this.slow(4000);
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(removeTempDirs);

  describe('config validate', () => {
    it('accepts the example config and says what it holds', async () => {
      const result = await runCli(['config', 'validate', '--config', EXAMPLE]);
      expect(result.stderr).to.equal('');
      expect(result.exitCode).to.equal(0);
      expect(result.stdout).to.include('is valid: 1 sync job (1 enabled), 1 file watcher');
    });

    it('lists every problem with file, line, column and key path, and exits 2', async () => {
      const result = await runCli(['config', 'validate', '--config', BROKEN]);
      expect(result.exitCode).to.equal(2);
      expect(result.stdout).to.equal('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).to.match(/^Error: .*49-many-problems-at-once\.toml has 4 problems:$/);
      expect(lines[1]).to.match(
        /49-many-problems-at-once\.toml:2:13: daemon\.log_level: found "loud", expected one of/,
      );
      expect(lines[4]).to.match(
        /:15:19: concurrency\.sync_queue_size: found -5, expected a whole number of at least 1$/,
      );
    });

    it('reports problems as data with --json', async () => {
      const result = await runCli(['config', 'validate', '--config', BROKEN, '--json']);
      expect(result.exitCode).to.equal(2);
      const { error } = JSON.parse(result.stdout);
      expect(error).to.include({ code: 'CONFIG_INVALID', exitCode: 2 });
      expect(error.problems).to.have.length(4);
      expect(error.problems[0]).to.deep.equal({
        file: BROKEN,
        line: 2,
        column: 13,
        keyPath: 'daemon.log_level',
        message: 'found "loud", expected one of "trace", "debug", "info", "warn", "error", "fatal"',
      });
    });

    it('returns a summary with --json', async () => {
      const result = await runCli(['config', 'validate', '--config', EXAMPLE, '--json']);
      expect(result.exitCode).to.equal(0);
      expect(JSON.parse(result.stdout)).to.deep.equal({
        file: EXAMPLE,
        valid: true,
        jobs: 1,
        enabledJobs: 1,
        watchers: 1,
        warnings: [],
      });
    });

    it('finds the config through $SYNC_DAEMON_CONFIG', async () => {
      const result = await runCli(['config', 'validate'], { env: { SYNC_DAEMON_CONFIG: EXAMPLE } });
      expect(result.exitCode).to.equal(0);
      expect(result.stdout).to.include(EXAMPLE);
    });

    it('says how to create a config that does not exist', async () => {
      const missing = path.join(dir, 'missing.toml');
      const result = await runCli(['config', 'validate', '--config', missing]);
      expect(result.exitCode).to.equal(2);
      expect(result.stderr).to.include(`${missing}: no config file here`);
      expect(result.stderr).to.include(
        `Hint: create one with: sync-daemon config generate --output ${missing}`,
      );
    });

    it('warns on stderr when the config exposes a password', async () => {
      const file = path.join(dir, 'open.toml');
      await fs.copyFile(SEED, file);
      await fs.chmod(file, 0o644);
      const result = await runCli(['config', 'validate', '--config', file]);
      expect(result.exitCode).to.equal(0);
      expect(result.stderr)
        .to.include('Warning: ')
        .and.include('holds a password and is readable by every user');
    });

    it('says a config the user cannot read is unreadable (as an unprivileged user)', async () => {
      const file = path.join(dir, 'secret.toml');
      await fs.copyFile(EXAMPLE, file);
      await fs.chmod(file, 0o600);
      await fs.chmod(dir, 0o755);
      const result = await runCli(['config', 'validate', '--config', file], { asUser: AS_NOBODY });
      expect(result.exitCode).to.equal(2);
      expect(result.stderr).to.include(`${file}: cannot read the config file: EACCES`);
    });
  });

  describe('config generate', () => {
    it('writes a commented config that validates, readable only by its owner', async () => {
      const file = path.join(dir, 'new', 'config.toml');
      const generated = await runCli(['config', 'generate', '--output', file]);
      expect(generated.exitCode).to.equal(0);
      expect(generated.stdout).to.include(`Wrote ${file}`);
      expect((await fs.stat(file)).mode & 0o777).to.equal(0o600);
      const text = await fs.readFile(file, 'utf8');
      expect(text).to.match(/^# sync-daemon configuration/);
      const validated = await runCli(['config', 'validate', '--config', file]);
      expect(validated.exitCode).to.equal(0);
      expect(validated.stdout).to.include('1 sync job (0 enabled)');
    });

    it('refuses to overwrite a file without --force, and overwrites with it', async () => {
      const file = path.join(dir, 'config.toml');
      await fs.writeFile(file, 'keep me');
      const refused = await runCli(['config', 'generate', '--output', file]);
      expect(refused.exitCode).to.equal(2);
      expect(refused.stderr).to.include(`${file} already exists; not overwriting it`).and.include('--force');
      expect(await fs.readFile(file, 'utf8')).to.equal('keep me');
      const forced = await runCli(['config', 'generate', '--output', file, '--force']);
      expect(forced.exitCode).to.equal(0);
      expect(await fs.readFile(file, 'utf8')).to.match(/^# sync-daemon configuration/);
      expect(await fs.readdir(dir)).to.deep.equal(['config.toml']);
    });

    it('prints the config with --output -', async () => {
      const result = await runCli(['config', 'generate', '--output', '-']);
      expect(result.exitCode).to.equal(0);
      expect(parseToml(result.stdout)).to.have.nested.property('sync_jobs[0].id', 'documents');
    });

    it('writes to the file --config names when there is no --output', async () => {
      const file = path.join(dir, 'via-config.toml');
      const result = await runCli(['config', 'generate', '--config', file]);
      expect(result.exitCode).to.equal(0);
      await fs.access(file);
    });

    it('fails with exit 1 when the file cannot be written', async () => {
      await fs.writeFile(path.join(dir, 'a-file'), '');
      const result = await runCli([
        'config',
        'generate',
        '--output',
        path.join(dir, 'a-file', 'config.toml'),
      ]);
      expect(result.exitCode).to.equal(1);
      expect(result.stderr).to.match(/^Error: cannot write .*a-file\/config\.toml: EEXIST/);
    });

    it('needs no setup for a non-root user: generate then validate at the default path', async () => {
      await fs.chmod(dir, 0o777);
      const env = { HOME: dir };
      const generated = await runCli(['config', 'generate'], { env, asUser: AS_NOBODY });
      expect(generated.exitCode, generated.stderr).to.equal(0);
      const file = path.join(dir, '.config', 'sync-daemon', 'config.toml');
      expect(generated.stdout).to.include(`Wrote ${file}`);
      const validated = await runCli(['config', 'validate'], { env, asUser: AS_NOBODY });
      expect(validated.exitCode, validated.stderr).to.equal(0);
      expect(validated.stdout).to.include(file);
      const shown = await runCli(['config', 'show', '--json'], { env, asUser: AS_NOBODY });
      const { config } = JSON.parse(shown.stdout);
      expect(config.daemon.pid_file).to.equal(
        path.join(dir, '.local', 'state', 'sync-daemon', 'sync-daemon.pid'),
      );
      expect(config.cache.cache_dir).to.equal(path.join(dir, '.cache', 'sync-daemon'));
    });
  });

  describe('config show', () => {
    it('prints the effective TOML with defaults filled in and paths resolved', async () => {
      const result = await runCli(['config', 'show', '--config', EXAMPLE]);
      expect(result.exitCode).to.equal(0);
      const shown = parseToml(result.stdout) as unknown as Config;
      expect(shown.sync_jobs[0]?.source_path).to.equal(
        path.join(PROJECT_ROOT, 'examples', 'data', 'documents'),
      );
      expect(shown.sync_jobs[0]?.sync_options.preserve_permissions).to.equal(true);
      expect(shown.concurrency).to.deep.equal({
        max_concurrent_syncs: 2,
        max_file_operations: 100,
        sync_queue_size: 1000,
      });
    });

    it('prints YAML and JSON that say the same', async () => {
      const yaml = await runCli(['config', 'show', '--config', EXAMPLE, '--format', 'yaml']);
      const json = await runCli(['config', 'show', '--config', EXAMPLE, '--format', 'json']);
      const toml = await runCli(['config', 'show', '--config', EXAMPLE]);
      expect(parseYaml(yaml.stdout)).to.deep.equal(JSON.parse(json.stdout));
      expect(parseToml(toml.stdout)).to.deep.equal(JSON.parse(json.stdout));
    });

    it('hides the PocketBase password', async () => {
      const file = path.join(dir, 'seed.toml');
      await fs.copyFile(SEED, file);
      await fs.chmod(file, 0o600);
      const result = await runCli(['config', 'show', '--config', file, '--json']);
      expect(result.stdout).to.not.include('admin123456');
      expect(JSON.parse(result.stdout).config.pocketbase.admin_password).to.equal('<redacted>');
    });

    it('offers --log-level only where a daemon starts: here it is an unknown flag, exit 2', async () => {
      const result = await runCli(['config', 'show', '--config', EXAMPLE, '--log-level', 'debug']);
      expect(result.exitCode).to.equal(2);
      expect(result.stderr).to.include('--log-level');
    });

    it('rejects an unknown format or flag as bad usage, exit 2', async () => {
      const format = await runCli(['config', 'show', '--config', EXAMPLE, '--format', 'ini']);
      expect(format.exitCode).to.equal(2);
      expect(format.stderr).to.include('Expected --format=ini to be one of: toml, yaml, json');
      const flag = await runCli(['config', 'show', '--bogus']);
      expect(flag.exitCode).to.equal(2);
      expect(flag.stderr).to.include('Nonexistent flag: --bogus');
    });
  });
});
