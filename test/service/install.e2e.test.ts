import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { killTestDaemons, socketOf, TestDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { AS_NOBODY, PROJECT_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const systemdRunning = fs.existsSync('/run/systemd/system');

describe('install and uninstall through the CLI', function () {
  this.timeout(60_000);
  let dir: string;
  let config: string;
  // A name no real service has: nothing a test does can touch one.
  const name = `sd-test-${process.pid}`;

  beforeEach(async () => {
    dir = await makeTempDir();
    // Readable by everyone: one test runs the CLI as nobody.
    fs.chmodSync(dir, 0o755);
    config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, '[daemon]\nstop_timeout_secs = 20\n', { mode: 0o644 });
  });
  afterEach(async () => {
    await killTestDaemons();
    await removeTempDirs();
  });

  it('install --dry-run prints the unit and the commands, and changes nothing', async () => {
    const result = await runCli(['install', '--dry-run', '--service-name', name, '--config', config]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`Would install ${name} (systemd):`);
    expect(result.stdout).to.include(`  write /etc/systemd/system/${name}.service (mode 644):`);
    expect(result.stdout).to.include(`--foreground --config ${config}`);
    expect(result.stdout).to.include('    | TimeoutStopSec=100');
    expect(result.stdout).to.include('  run systemctl daemon-reload    # make systemd read the new unit');
    expect(result.stdout).to.include(`  run systemctl enable --now ${name}.service`);
    expect(result.stdout.trimEnd().endsWith('Nothing was changed (--dry-run).')).to.equal(true);
    expect(fs.existsSync(`/etc/systemd/system/${name}.service`)).to.equal(false);

    const json = await runCli(
      ['install', '--dry-run', '--json', '--user', '--service-name', name, '--config', config],
      {
        env: { HOME: dir },
      },
    );
    const plan = JSON.parse(json.stdout);
    expect(plan.files.map((file: { path: string }) => file.path)).to.deep.equal([
      path.join(dir, '.config', 'systemd', 'user', `${name}.service`),
    ]);
    expect(
      plan.commands.map((command: { command: string; args: string[] }) => [command.command, ...command.args]),
    ).to.deep.equal([
      ['loginctl', 'enable-linger', 'root'],
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', `${name}.service`],
    ]);
    expect(fs.existsSync(path.join(dir, '.config'))).to.equal(false);
  });

  it('install --dry-run shows the plan for macOS and Windows too', async () => {
    const mac = await runCli([
      'install',
      '--dry-run',
      '--platform',
      'darwin',
      '--service-name',
      name,
      '--config',
      config,
    ]);
    expect(mac.exitCode, mac.stderr).to.equal(0);
    expect(mac.stdout).to.include(`  write /Library/LaunchDaemons/${name}.plist (mode 644):`);
    expect(mac.stdout).to.include(`  run launchctl bootstrap system /Library/LaunchDaemons/${name}.plist`);
    const windows = await runCli([
      'install',
      '--dry-run',
      '--platform',
      'win32',
      '--winsw',
      'C:\\tools\\winsw.exe',
      '--service-name',
      'SyncDaemon',
      '--config',
      config,
    ]);
    expect(windows.exitCode, windows.stderr).to.equal(0);
    expect(windows.stdout).to.include(
      '  copy C:\\tools\\winsw.exe to C:\\ProgramData\\sync-daemon\\SyncDaemon\\SyncDaemon.exe',
    );
    expect(windows.stdout).to.include('    |   <id>SyncDaemon</id>');
    const noWrapper = await runCli(['install', '--dry-run', '--platform', 'win32', '--config', config]);
    expect(noWrapper.exitCode).to.equal(1);
    expect(noWrapper.stderr).to.include('no WinSW or NSSM to run the daemon as a Windows service');
    const userOnWindows = await runCli([
      'install',
      '--dry-run',
      '--platform',
      'win32',
      '--user',
      '--config',
      config,
    ]);
    expect(userOnWindows.stderr).to.include('--user has no meaning there');
  });

  it('uninstall --dry-run names what it would stop and remove, and removes nothing', async () => {
    const unit = path.join(dir, '.config', 'systemd', 'user', `${name}.service`);
    fs.mkdirSync(path.dirname(unit), { recursive: true });
    fs.writeFileSync(unit, '# written by `sync-daemon install`\n[Service]\nExecStart=/bin/true\n');
    const result = await runCli(['uninstall', '--dry-run', '--user', '--service-name', name], {
      env: { HOME: dir },
    });
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(
      [
        `Would uninstall ${name} (systemd):`,
        `  run systemctl --user disable --now ${name}.service    # stop it and keep it from starting at boot`,
        `  remove ${unit}`,
        '  run systemctl --user daemon-reload    # make systemd forget the removed unit',
        'Nothing was changed (--dry-run).',
        '',
      ].join('\n'),
    );
    expect(fs.existsSync(unit)).to.equal(true);
    const missing = await runCli(['uninstall', '--dry-run', '--user', '--service-name', 'not-there'], {
      env: { HOME: dir },
    });
    expect(missing.exitCode).to.equal(1);
    expect(missing.stderr).to.include('no service named not-there is installed');
  });

  it('refuses a system install without root, and one where systemd does not run, writing nothing', async function () {
    const asNobody = await runCli(['install', '--service-name', name, '--config', config], {
      asUser: AS_NOBODY,
    });
    if (AS_NOBODY.length > 0) {
      expect(asNobody.exitCode, asNobody.stderr).to.equal(1);
      expect(asNobody.stderr).to.include(
        'installing a system service needs root (systemctl); you are uid 65534',
      );
      expect(asNobody.stderr).to.include('run it with sudo, or add --user for a service of your own');
    }
    // Only where no systemd runs (this container, CI): elsewhere this would install for real.
    if (systemdRunning || process.getuid?.() !== 0) this.skip();
    const noSystemd = await runCli(['install', '--service-name', name, '--config', config]);
    expect(noSystemd.exitCode).to.equal(1);
    expect(noSystemd.stderr).to.include('systemd is not running on this machine');
    expect(fs.existsSync(`/etc/systemd/system/${name}.service`)).to.equal(false);
    const user = await runCli(['install', '--user', '--service-name', name, '--config', config], {
      env: { HOME: dir },
    });
    expect(user.exitCode).to.equal(1);
    expect(user.stderr).to.include('systemd is not running on this machine');
    expect(fs.existsSync(path.join(dir, '.config'))).to.equal(false);
  });

  it('refuses --run-as when that account could not reach the config (a private folder)', async () => {
    const privateDir = await makeTempDir();
    fs.chmodSync(privateDir, 0o700);
    const privateConfig = path.join(privateDir, 'config.toml');
    fs.writeFileSync(privateConfig, '', { mode: 0o644 });
    const result = await runCli([
      'install',
      '--run-as',
      'nobody',
      '--service-name',
      name,
      '--config',
      privateConfig,
    ]);
    expect(result.exitCode, result.stderr).to.equal(2);
    // A checkout in a private home (/root) is out of its reach before the config is.
    const folders = PROJECT_ROOT.split('/').map(
      (_, index, parts) => parts.slice(0, index + 1).join('/') || '/',
    );
    const checkoutReachable = folders.every((folder) => (fs.statSync(folder).mode & 0o001) !== 0);
    expect(result.stderr).to.include(
      checkoutReachable
        ? `the config (${privateConfig}) is out of reach of nobody: ${privateDir} is not open to it`
        : `the CLI (${path.join(PROJECT_ROOT, 'bin', 'run.js')}) is out of reach of nobody`,
    );
  });

  it('refuses names and descriptions that would break a file or a command line (exit 2)', async () => {
    const cases: [string[], string][] = [
      [['--service-name', 'a;reboot'], '";" is not allowed'],
      [['--service-name', '../../etc/passwd'], '"/" is not allowed'],
      [['--service-name', 'evil\nExecStartPre=/bin/sh'], 'a newline is not allowed'],
      [['--service-name', 'x.service'], 'no .service or .plist'],
      [['--description', 'My "sync"'], '"\\"" is not allowed'],
      [['--description', 'one\ntwo'], 'a newline is not allowed'],
      [['--description', 'a $(reboot)'], '"$" is not allowed'],
      [['--description', 'C:\\evil'], '"\\\\" is not allowed'],
      [['--run-as', 'root;x'], 'is not a user name'],
    ];
    for (const [flags, problem] of cases) {
      const result = await runCli(['install', '--dry-run', ...flags, '--config', config]);
      expect(result.exitCode, flags.join(' ')).to.equal(2);
      expect(result.stderr, flags.join(' ')).to.include(problem);
    }
  });

  it('stops and restarts a daemon a service manager runs through that manager, never beside it', async () => {
    const daemonDir = await makeTempDir();
    const daemonConfig = await writeDaemonConfig(daemonDir, []);
    const daemon = await TestDaemon.start(daemonConfig, socketOf(daemonDir), {
      env: { SYNC_DAEMON_SERVICE: `systemd:system:${name}` },
    });
    expect((await daemon.status()).service).to.deep.equal({ manager: 'systemd', scope: 'system', name });
    const status = await runCli(['status', '--config', daemonConfig]);
    expect(status.stdout).to.include(
      `  service systemd system service ${name} (stop and restart go through it)`,
    );
    // No such unit here (or no systemd at all): systemctl fails, and the daemon is left running.
    for (const command of ['stop', 'restart']) {
      const result = await runCli([command, '--config', daemonConfig]);
      expect(result.exitCode, command).to.equal(1);
      expect(result.stderr, command).to.include(`systemctl ${command} ${name}.service failed`);
      expect((await daemon.status()).pid).to.equal(daemon.pid);
    }
  });
});
