import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../../src/config/config-error.js';
import { resolveConfigFile } from '../../src/config/config-file-path.js';
import { getDefaultPaths } from '../../src/config/default-paths.js';
import { loadConfigFile, PASSWORD_ENV, parseConfig } from '../../src/config/load-config.js';
import { redactConfig, renderConfig } from '../../src/config/render-config.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// The TOML example of ../shared/seed/README.md, verbatim: the contract every release must keep loading.
const SEED_EXAMPLE_TOML = readFileSync(
  path.join(PROJECT_ROOT, 'test', 'fixtures', 'seed-example.toml'),
  'utf8',
);

describe('loadConfigFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(removeTempDirs);

  async function writeConfig(name: string, text: string, mode = 0o600): Promise<string> {
    const file = path.join(dir, name);
    await fs.writeFile(file, text, { mode });
    await fs.chmod(file, mode);
    return file;
  }

  it('loads the README example with every key as written', async () => {
    const { config, warnings } = await loadConfigFile(await writeConfig('seed.toml', SEED_EXAMPLE_TOML), {});
    expect(warnings).to.deep.equal([]);
    expect(config.pocketbase).to.deep.include({
      url: 'http://localhost:8090',
      admin_password: 'admin123456',
    });
    expect(config.daemon).to.deep.equal({
      pid_file: '/var/run/sync-daemon.pid',
      log_file: '/var/log/sync-daemon.log',
      log_level: 'info',
      log_format: 'auto',
      log_max_size_mb: 10,
      log_max_files: 5,
      config_refresh_interval_secs: 300,
      auto_restart_on_config_change: false,
      socket_path: getDefaultPaths().socketFile,
      stop_timeout_secs: 10,
      restart_backoff_initial_ms: 100,
      restart_backoff_max_ms: 30_000,
      restart_backoff_reset_secs: 60,
      crashloop_after_crashes: 5,
      host: os.hostname(),
    });
    const [job] = config.sync_jobs;
    expect(job).to.deep.include({
      id: 'documents',
      source_path: '/home/user/Documents',
      destination_path: '/backup/Documents',
      filters: ['*.tmp', '*.log', '.git/*'],
      schedule: { type: 'interval', interval: '5m' },
    });
    expect(job?.sync_options.comparison_method).to.equal('checksum');
    expect(config.file_watchers[0]).to.deep.include({ sync_job_id: 'documents', debounce_ms: 1000 });
    expect(config.concurrency).to.deep.equal({
      max_concurrent_syncs: 4,
      max_file_operations: 100,
      sync_queue_size: 1000,
    });
    expect(config.cache.cache_dir).to.equal('/var/cache/sync-daemon');
  });

  it('reads the same config from YAML', async () => {
    const toml = await loadConfigFile(await writeConfig('seed.toml', SEED_EXAMPLE_TOML), {});
    const yamlText = await renderConfig(toml.config, 'yaml');
    const yaml = await loadConfigFile(await writeConfig('seed.yaml', yamlText), {});
    expect(yaml.config).to.deep.equal(toml.config);
    expect(yaml.format).to.equal('yaml');
  });

  it('fills in defaults, so an empty file is a valid config', async () => {
    const { config } = await loadConfigFile(await writeConfig('empty.toml', ''), {});
    const defaults = getDefaultPaths();
    expect(config.daemon.pid_file).to.equal(defaults.pidFile);
    expect(config.daemon.log_level).to.equal('info');
    expect(config.cache.cache_dir).to.equal(defaults.cacheDir);
    expect(config.sync_jobs).to.deep.equal([]);
    expect(config.pocketbase).to.equal(undefined);
  });

  it('gives a job and a watcher their defaults', async () => {
    const file = await writeConfig(
      'job.toml',
      '[[sync_jobs]]\nid = "a"\nsource_path = "/s"\ndestination_path = "/d"\n[[file_watchers]]\nid = "w"\nsync_job_id = "a"\n',
    );
    const { config } = await loadConfigFile(file, {});
    expect(config.sync_jobs[0]).to.deep.equal({
      id: 'a',
      source_path: '/s',
      destination_path: '/d',
      enabled: true,
      filters: [],
      schedule: { type: 'manual' },
      sync_options: {
        dry_run: false,
        preserve_permissions: true,
        preserve_timestamps: true,
        delete_destination_files: false,
        comparison_method: 'mtime',
        ignore_hidden_files: false,
        trash_retention_days: 30,
        fsync: false,
      },
    });
    expect(config.file_watchers[0]).to.deep.equal({
      id: 'w',
      sync_job_id: 'a',
      watch_path: '/s',
      enabled: true,
      recursive: true,
      debounce_ms: 1000,
      watch_events: ['create', 'write', 'remove', 'rename'],
      backend: 'auto',
      poll_interval_ms: 1000,
      full_rescan_interval_secs: 3600,
    });
  });

  it("resolves relative paths against the config file's folder and ~ against $HOME", async () => {
    const file = await writeConfig(
      'rel.toml',
      [
        '[daemon]',
        'pid_file = "run/d.pid"',
        'log_file = "~/logs/d.log"',
        '[cache]',
        'cache_dir = "../cache"',
        '[[sync_jobs]]',
        'id = "a"',
        'source_path = "data/src"',
        'destination_path = "~/mirror"',
        '[sync_jobs.sync_options]',
        'trash_dir = "trash"',
      ].join('\n'),
    );
    const { config } = await loadConfigFile(file, {});
    expect(config.daemon.pid_file).to.equal(path.join(dir, 'run/d.pid'));
    expect(config.daemon.log_file).to.equal(path.join(os.homedir(), 'logs/d.log'));
    expect(config.cache.cache_dir).to.equal(path.join(path.dirname(dir), 'cache'));
    expect(config.sync_jobs[0]?.source_path).to.equal(path.join(dir, 'data/src'));
    expect(config.sync_jobs[0]?.destination_path).to.equal(path.join(os.homedir(), 'mirror'));
    expect(config.sync_jobs[0]?.sync_options.trash_dir).to.equal(path.join(dir, 'trash'));
  });

  it('accepts sibling folders whose names share a prefix', async () => {
    const file = await writeConfig(
      'prefix.toml',
      '[[sync_jobs]]\nid = "a"\nsource_path = "/data"\ndestination_path = "/data2"\n[[sync_jobs]]\nid = "b"\nsource_path = "/srv"\ndestination_path = "/data2-b"\n',
    );
    const { config } = await loadConfigFile(file, {});
    expect(config.sync_jobs).to.have.length(2);
  });

  it('sees through symlinks when checking that a destination is outside its source', async () => {
    await fs.mkdir(path.join(dir, 'real'));
    await fs.symlink(path.join(dir, 'real'), path.join(dir, 'link'));
    const file = await writeConfig(
      'link.toml',
      '[[sync_jobs]]\nid = "a"\nsource_path = "real"\ndestination_path = "link/mirror"\n',
    );
    const error = await loadConfigFile(file, {}).catch((thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).message).to.include('lies inside the source_path');
  });

  it('takes the PocketBase password from the environment, which wins over the file', async () => {
    const base = '[pocketbase]\nurl = "http://127.0.0.1:8090"\nadmin_email = "a@example.com"\n';
    const withoutPassword = await writeConfig('pb.toml', base);
    const fromEnv = await loadConfigFile(withoutPassword, { [PASSWORD_ENV]: 'from-env' });
    expect(fromEnv.config.pocketbase?.admin_password).to.equal('from-env');

    const withPassword = await writeConfig('pb2.toml', `${base}admin_password = "from-file"\n`);
    expect((await loadConfigFile(withPassword, {})).config.pocketbase?.admin_password).to.equal('from-file');
    expect(
      (await loadConfigFile(withPassword, { [PASSWORD_ENV]: 'env' })).config.pocketbase?.admin_password,
    ).to.equal('env');
  });

  it('warns when a file holding a password is readable by others, and not when it is private', async () => {
    const text =
      '[pocketbase]\nurl = "http://127.0.0.1:8090"\nadmin_email = "a@example.com"\nadmin_password = "pw"\n';
    const open = await loadConfigFile(await writeConfig('open.toml', text, 0o644), {});
    expect(open.warnings).to.have.length(1);
    expect(open.warnings[0]).to.include('readable by every user (mode 0644)').and.include('chmod 600');
    const group = await loadConfigFile(await writeConfig('group.toml', text, 0o640), {});
    expect(group.warnings[0]).to.include('readable by its group');
    const closed = await loadConfigFile(await writeConfig('closed.toml', text, 0o600), {});
    expect(closed.warnings).to.deep.equal([]);
    const noPassword = await loadConfigFile(await writeConfig('nopw.toml', '[daemon]\n', 0o644), {});
    expect(noPassword.warnings).to.deep.equal([]);
  });

  it('says a missing file is missing and how to create one', async () => {
    const error = await loadConfigFile(path.join(dir, 'absent.toml'), {}).catch((thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).code).to.equal('CONFIG_NOT_FOUND');
    expect((error as ConfigError).suggestions.join('\n')).to.include('sync-daemon config generate --output');
  });

  it('says a folder is not a config file', async () => {
    await fs.mkdir(path.join(dir, 'folder.toml'));
    const error = await loadConfigFile(path.join(dir, 'folder.toml'), {}).catch((thrown: unknown) => thrown);
    expect((error as ConfigError).code).to.equal('CONFIG_UNREADABLE');
    expect((error as ConfigError).message).to.include('it is a folder');
  });

  it('round-trips the effective config through TOML, YAML and JSON', async () => {
    const { config } = await loadConfigFile(await writeConfig('seed.toml', SEED_EXAMPLE_TOML), {});
    for (const format of ['toml', 'yaml'] as const) {
      const again = await parseConfig(
        await renderConfig(config, format),
        path.join(dir, `again.${format}`),
        {},
      );
      expect(again.config).to.deep.equal(config);
    }
    expect(JSON.parse(await renderConfig(config, 'json'))).to.deep.equal(config);
  });

  it('hides the password when the config is shown', async () => {
    const { config } = await loadConfigFile(await writeConfig('seed.toml', SEED_EXAMPLE_TOML), {});
    const shown = await renderConfig(redactConfig(config), 'toml');
    expect(shown).to.not.include('admin123456');
    expect(parseToml(shown)).to.have.nested.property('pocketbase.admin_password', '<redacted>');
    expect(config.pocketbase?.admin_password).to.equal('admin123456');
  });
});

describe('resolveConfigFile', () => {
  it('prefers the explicit path, then $SYNC_DAEMON_CONFIG, then the default', () => {
    expect(resolveConfigFile('a.toml', { SYNC_DAEMON_CONFIG: '/b.toml' })).to.equal(path.resolve('a.toml'));
    expect(resolveConfigFile(undefined, { SYNC_DAEMON_CONFIG: '/b.toml' })).to.equal('/b.toml');
    expect(resolveConfigFile(undefined, {})).to.equal(getDefaultPaths({}).configFile);
  });
});

describe('the example config', () => {
  it('is valid and self-contained: every path it uses lies under examples/', async () => {
    const examples = path.join(PROJECT_ROOT, 'examples');
    for (const name of ['config.toml', 'config.yaml']) {
      const { config } = await loadConfigFile(path.join(examples, name), {});
      const paths = [
        config.daemon.pid_file,
        config.daemon.log_file,
        config.cache.cache_dir,
        ...config.sync_jobs.flatMap((job) => [job.source_path, job.destination_path]),
      ];
      for (const used of paths) expect(used.startsWith(`${examples}${path.sep}`), used).to.equal(true);
    }
  });
});
