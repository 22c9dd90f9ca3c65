import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { getDefaultPaths } from '../../src/config/default-paths.js';
import { defaultLockDir } from '../../src/jobs/destination-lock.js';
import { renderLaunchdPlist } from '../../src/service/launchd-service.js';
import { planService, realServiceHost } from '../../src/service/plan-service.js';
import { runServicePlan } from '../../src/service/run-service-plan.js';
import { ServiceError } from '../../src/service/service-error.js';
import type { PlannedCommand } from '../../src/service/service-plan.js';
import { renderSystemdUnit } from '../../src/service/systemd-service.js';
import { renderWinswXml } from '../../src/service/windows-service.js';
import { runCli } from '../helpers/run-cli.js';
import { fakeServiceHost, serviceRequest } from '../helpers/service-request.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

const line = (command: PlannedCommand) => [command.command, ...command.args].join(' ');

describe('service installs where things go wrong', () => {
  afterEach(removeTempDirs);

  it('a description the check accepts keeps the plist well-formed XML ("--" inside the comment)', async function () {
    if (!hasTool('python3')) this.skip();
    const description = 'Sync -- nightly';
    const file = path.join(await makeTempDir(), 'x.plist');
    fs.writeFileSync(file, renderLaunchdPlist(serviceRequest({ platform: 'darwin', description })));
    const result = spawnSync(
      'python3',
      ['-c', 'import plistlib,sys; plistlib.load(open(sys.argv[1],"rb"))', file],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).to.equal(0);
  });

  it('a Node.js path holding "$" is the executable systemd runs (no "$$" left in it)', async function () {
    if (!hasTool('systemd-analyze')) this.skip();
    const dir = await makeTempDir();
    const node = path.join(dir, 'node$1', 'node');
    fs.mkdirSync(path.dirname(node));
    fs.copyFileSync(process.execPath, node);
    fs.chmodSync(node, 0o755);
    const unit = path.join(dir, 'x.service');
    fs.writeFileSync(unit, renderSystemdUnit(serviceRequest({ node, cli: path.resolve('bin/run.js') })));
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`.trim()).to.equal('');
  });

  it('WinSW from node-windows (1.17, built for .NET 2) gets its .exe.config copied too', () => {
    const plan = planService(
      serviceRequest({ platform: 'win32', name: 'SyncDaemon', winsw: 'C:\\nw\\bin\\winsw\\winsw.exe' }),
      fakeServiceHost((file) => file.endsWith('winsw.exe.config')),
    );
    expect(plan.copies.map(([, to]) => to)).to.include(
      'C:\\ProgramData\\sync-daemon\\SyncDaemon\\SyncDaemon.exe.config',
    );
  });

  it('WinSW --force unregisters the old service before "install" (which fails on an existing one)', () => {
    const plan = planService(
      serviceRequest({ platform: 'win32', name: 'SyncDaemon', winsw: 'C:\\winsw.exe', force: true }),
      fakeServiceHost(() => true),
    );
    const lines = plan.commands.map(line);
    const install = lines.findIndex((text) => text.endsWith(' install'));
    expect(lines.slice(0, install).some((text) => text.endsWith(' uninstall'))).to.equal(true);
  });

  it('WinSW stops its child processes after the daemon, not before (stopparentprocessfirst)', () => {
    expect(renderWinswXml(serviceRequest({ platform: 'win32' }))).to.include(
      '<stopparentprocessfirst>true</stopparentprocessfirst>',
    );
  });

  it('NSSM: an install that fails because the service exists never removes that service', async () => {
    const plan = planService(
      serviceRequest({ platform: 'win32', name: 'SyncDaemon', useNssm: true, nssm: 'C:\\nssm.exe' }),
      fakeServiceHost(() => false),
    );
    const ran: string[] = [];
    const run = async (command: PlannedCommand) => {
      ran.push(line(command));
      if (command.args[0] === 'install')
        throw new ServiceError(
          'SERVICE_COMMAND_FAILED',
          'Error creating service: the service already exists',
        );
    };
    await runServicePlan(plan, { run }).catch(() => undefined);
    expect(ran).to.not.include('C:\\nssm.exe remove SyncDaemon confirm');
  });

  it('--run-as is refused on Windows rather than ignored (the service would run as LocalSystem)', () => {
    expect(() =>
      planService(
        serviceRequest({ platform: 'win32', runAs: 'syncd', winsw: 'C:\\winsw.exe' }),
        fakeServiceHost(() => false),
      ),
    ).to.throw(ServiceError, '--run-as is for systemd and launchd: a Windows service runs as LocalSystem');
  });

  it('systemd --force whose restart fails leaves the replaced service enabled and systemd reloaded', async () => {
    const dir = await makeTempDir();
    const plan = planService(
      serviceRequest({ force: true }),
      fakeServiceHost((file) => file === '/etc/systemd/system/sync-daemon.service'),
    );
    // Written to a temp folder instead of /etc/systemd/system.
    const unit = path.join(dir, 'sync-daemon.service');
    fs.writeFileSync(unit, 'the old unit\n');
    plan.folders = [];
    plan.files = plan.files.map((file) => ({ ...file, path: unit }));
    const ran: string[] = [];
    const run = async (command: PlannedCommand) => {
      ran.push(line(command));
      if (command.args[0] === 'restart') throw new ServiceError('SERVICE_COMMAND_FAILED', 'restart failed');
    };
    await runServicePlan(plan, { run }).catch(() => undefined);
    expect(fs.readFileSync(unit, 'utf8')).to.equal('the old unit\n');
    expect(ran, 'the old service is left disabled and stopped').to.not.include(
      'systemctl disable --now sync-daemon.service',
    );
    expect(ran.slice(-2), 'systemd reads the old unit again, which runs again').to.deep.equal([
      'systemctl daemon-reload',
      'systemctl restart sync-daemon.service',
    ]);
  });

  it('--run-as takes a config the account owns with mode 600 (the mode the config check asks for)', async () => {
    const dir = await makeTempDir();
    fs.chmodSync(dir, 0o755);
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, '[daemon]\n', { mode: 0o600 });
    fs.chownSync(config, 65534, 65534);
    // Stand-ins for Node.js and the CLI that every account can read (only read here, never run), wherever the
    // checkout lies.
    const node = path.join(dir, 'node');
    const cli = path.join(dir, 'run.js');
    fs.writeFileSync(node, '', { mode: 0o755 });
    fs.writeFileSync(cli, '', { mode: 0o644 });
    // Past the reach check, the next one: systemd (here said not to run).
    const planned = () =>
      planService(
        serviceRequest({ runAs: 'nobody', configFile: config, node, cli }),
        fakeServiceHost(() => false, { systemdRunning: () => false }),
      );
    expect(planned).to.throw(ServiceError, 'systemd is not running');
    fs.chownSync(config, 0, 0);
    expect(planned).to.throw(
      ServiceError,
      `the config (${config}) is out of reach of nobody: ${config} is not open to it`,
    );
  });

  it('refuses a PocketBase password given only through the environment (the service would not have it)', async () => {
    const dir = await makeTempDir();
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(
      config,
      '[pocketbase]\nurl = "http://127.0.0.1:8090"\nadmin_email = "a@example.com"\n[daemon]\n',
    );
    const result = await runCli(['install', '--dry-run', '--config', config], {
      env: { SYNC_DAEMON_POCKETBASE_PASSWORD: 'secret' },
    });
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.include(
      `${config} takes its PocketBase password from $SYNC_DAEMON_POCKETBASE_PASSWORD here, which the service would not have`,
    );
  });

  it('a daemon under a unit with another --service-name shares the CLI socket and destination locks', () => {
    const unitEnv = {
      // What the unit sets: StateDirectory=sync-daemon, RuntimeDirectory=sync-daemon, the others the service's.
      SYNC_DAEMON_SERVICE: 'systemd:system:my-sync',
      STATE_DIRECTORY: '/var/lib/sync-daemon',
      LOGS_DIRECTORY: '/var/log/my-sync',
      RUNTIME_DIRECTORY: '/run/sync-daemon',
      CACHE_DIRECTORY: '/var/cache/my-sync',
      HOME: '/root',
    };
    // `sudo sync-daemon sync` / `restart` (no unit environment) against the unit's daemon.
    expect(defaultLockDir(unitEnv, 0)).to.equal(defaultLockDir({ HOME: '/root' }, 0));
    expect(getDefaultPaths(unitEnv, 0, 'linux').socketFile).to.equal(
      getDefaultPaths({ HOME: '/root' }, 0, 'linux').socketFile,
    );
  });

  it('a Windows service (LocalSystem) and the admin CLI find the same pipe', () => {
    const service = getDefaultPaths(
      { USERNAME: 'HOST$', HOME: 'C:\\Windows\\system32\\config\\systemprofile' },
      undefined,
      'win32',
    );
    const admin = getDefaultPaths({ USERNAME: 'alice', HOME: 'C:\\Users\\alice' }, undefined, 'win32');
    expect(service.socketFile).to.equal(admin.socketFile);
  });

  it('a name taken by a vendor unit (/lib/systemd/system) is refused, not shadowed from /etc', function () {
    if (!fs.existsSync('/lib/systemd/system/systemd-journald.service')) this.skip();
    expect(() =>
      planService(serviceRequest({ name: 'systemd-journald', dryRun: true }), realServiceHost),
    ).to.throw(ServiceError, 'is installed already');
  });

  it('a macOS LaunchDaemon (root) does not put its socket under /run (no such folder; / is read-only)', () => {
    expect(getDefaultPaths({ HOME: '/var/root' }, 0, 'darwin').socketFile.startsWith('/run/')).to.equal(
      false,
    );
  });
});
