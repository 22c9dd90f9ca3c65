import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { renderLaunchdPlist } from '../../src/service/launchd-service.js';
import type { ServiceSettings } from '../../src/service/service-settings.js';
import { renderSystemdUnit } from '../../src/service/systemd-service.js';
import { planNssmInstall, planWinswInstall, renderWinswXml } from '../../src/service/windows-service.js';
import { serviceRequest } from '../helpers/service-request.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** The settings of an install by alice's admin, on this Node.js and checkout. */
const settings = (overrides: Partial<ServiceSettings> = {}): ServiceSettings =>
  serviceRequest({ uid: 1000, ...overrides });

describe('service templates, checked by the real tools', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(removeTempDirs);

  /** systemd-analyze verify: exit 0 and not a word (it only warns, exit 0, about a setting it ignores). */
  function verifyUnit(name: string, unit: string): void {
    const file = path.join(dir, `${name}.service`);
    fs.writeFileSync(file, unit);
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`.trim(), unit).to.equal('');
    expect(result.status).to.equal(0);
  }

  it('writes a systemd unit that systemd-analyze verify takes without a word, system and --user', function () {
    if (!hasTool('systemd-analyze')) this.skip();
    const system = renderSystemdUnit(settings({ runAs: 'syncd' }));
    verifyUnit('sync-daemon', system);
    for (const line of [
      `ExecStart=${process.execPath} ${path.resolve('bin/run.js')} start --foreground --config /etc/sync-daemon/config.toml`,
      'Restart=on-failure',
      'RestartSec=5',
      'KillMode=control-group',
      'TimeoutStopSec=80',
      'StateDirectory=sync-daemon',
      'LogsDirectory=sync-daemon',
      'RuntimeDirectory=sync-daemon',
      'CacheDirectory=sync-daemon',
      'NoNewPrivileges=yes',
      'ProtectSystem=full',
      'PrivateTmp=yes',
      'User=syncd',
      'Environment=SYNC_DAEMON_SERVICE=systemd:system:sync-daemon',
      'WantedBy=multi-user.target',
    ])
      expect(system.split('\n'), line).to.include(line);
    // The start limits belong in [Unit] (systemd ignores them in [Service] since v230).
    const unitSection = system.slice(system.indexOf('[Unit]'), system.indexOf('[Service]'));
    expect(unitSection).to.include('StartLimitIntervalSec=300').and.include('StartLimitBurst=5');
    expect(system.split('\n')).to.not.include('ProtectSystem=strict');

    const user = renderSystemdUnit(settings({ scope: 'user', name: 'my-sync' }));
    verifyUnit('my-sync', user);
    expect(user).to.include('WantedBy=default.target').and.not.include('User=');
    expect(user.split('\n')).to.include('NoNewPrivileges=yes').and.not.include('PrivateTmp=yes');
  });

  it('quotes a config path with spaces, %, $ and quotes in ExecStart as systemd.service(5) says, and verify takes it', function () {
    if (!hasTool('systemd-analyze')) this.skip();
    const configFile = path.join(dir, 'my configs', '100% "sync" $HOME.toml');
    const unit = renderSystemdUnit(settings({ configFile, description: 'Sync at 100 percent' }));
    verifyUnit('spaces', unit);
    expect(unit).to.include(`--config "${path.join(dir, 'my configs')}/100%% \\"sync\\" $$HOME.toml"`);
  });

  it('writes a launchd plist that parses as a property list, LaunchDaemon or LaunchAgent', function () {
    if (!hasTool('python3')) this.skip();
    const read = (plist: string) => {
      const file = path.join(dir, 'service.plist');
      fs.writeFileSync(file, plist);
      const script = 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))';
      return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    };
    const configFile = '/Users/alice/Sync Configs/a & b <c>.toml';
    const daemon = read(renderLaunchdPlist(settings({ platform: 'darwin', configFile, runAs: 'syncd' })));
    expect(daemon).to.deep.include({
      Label: 'sync-daemon',
      RunAtLoad: true,
      KeepAlive: true,
      StandardOutPath: '/var/log/sync-daemon.out',
      StandardErrorPath: '/var/log/sync-daemon.err',
      UserName: 'syncd',
      EnvironmentVariables: { SYNC_DAEMON_SERVICE: 'launchd:system:sync-daemon' },
    });
    expect(daemon.ProgramArguments).to.deep.equal([
      process.execPath,
      path.resolve('bin/run.js'),
      'start',
      '--foreground',
      '--config',
      configFile,
    ]);
    const agent = read(renderLaunchdPlist(settings({ platform: 'darwin', scope: 'user', name: 'my-sync' })));
    expect(agent).to.deep.include({
      Label: 'my-sync',
      StandardOutPath: '/home/alice/Library/Logs/my-sync.out',
    });
    expect(agent).to.not.have.property('UserName');
  });

  it('writes a WinSW XML that parses, with paths holding spaces quoted in its arguments', function () {
    if (!hasTool('python3')) this.skip();
    const windows = settings({
      platform: 'win32',
      name: 'SyncDaemon',
      node: 'C:\\Program Files\\nodejs\\node.exe',
      cli: 'C:\\Program Files\\sync-daemon\\bin\\run.js',
      configFile: 'C:\\Users\\Al & Bo\\sync config.toml',
    });
    const file = path.join(dir, 'SyncDaemon.xml');
    fs.writeFileSync(file, renderWinswXml(windows));
    const script =
      'import json, sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); ' +
      'print(json.dumps({c.tag: (c.text or c.attrib) for c in r if c.tag != "onfailure"} | ' +
      '{"onfailure": [c.attrib for c in r.findall("onfailure")]}))';
    const parsed = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    expect(parsed).to.deep.include({
      id: 'SyncDaemon',
      executable: 'C:\\Program Files\\nodejs\\node.exe',
      arguments:
        '"C:\\Program Files\\sync-daemon\\bin\\run.js" start --foreground --config "C:\\Users\\Al & Bo\\sync config.toml"',
      env: { name: 'SYNC_DAEMON_SERVICE', value: 'winsw:system:SyncDaemon' },
      startmode: 'Automatic',
      stoptimeout: '80 sec',
      logpath: 'C:\\ProgramData\\sync-daemon\\SyncDaemon\\logs',
    });
    expect(parsed.onfailure.map((action: { action: string }) => action.action)).to.deep.equal([
      'restart',
      'restart',
      'restart',
    ]);
    const plan = planWinswInstall(windows, 'C:\\tools\\winsw.exe');
    expect(plan.copies).to.deep.equal([
      ['C:\\tools\\winsw.exe', 'C:\\ProgramData\\sync-daemon\\SyncDaemon\\SyncDaemon.exe'],
    ]);
    expect(plan.commands.map(({ command, args }) => [command, ...args])).to.deep.equal([
      ['C:\\ProgramData\\sync-daemon\\SyncDaemon\\SyncDaemon.exe', 'install'],
      ['C:\\ProgramData\\sync-daemon\\SyncDaemon\\SyncDaemon.exe', 'start'],
    ]);
  });

  it('gives NSSM and sc.exe their arguments one by one', () => {
    const plan = planNssmInstall(
      settings({
        platform: 'win32',
        name: 'SyncDaemon',
        node: 'C:\\Program Files\\nodejs\\node.exe',
        cli: 'C:\\sync\\bin\\run.js',
        configFile: 'C:\\Sync Configs\\config.toml',
      }),
      'C:\\tools\\nssm.exe',
    );
    const nssm = 'C:\\tools\\nssm.exe';
    expect(plan.commands.map(({ command, args }) => [command, ...args])).to.deep.equal([
      [nssm, 'install', 'SyncDaemon', 'C:\\Program Files\\nodejs\\node.exe'],
      [
        nssm,
        'set',
        'SyncDaemon',
        'AppParameters',
        'C:\\sync\\bin\\run.js start --foreground --config "C:\\Sync Configs\\config.toml"',
      ],
      [nssm, 'set', 'SyncDaemon', 'AppDirectory', 'C:\\Sync Configs'],
      [nssm, 'set', 'SyncDaemon', 'DisplayName', 'SyncDaemon'],
      [nssm, 'set', 'SyncDaemon', 'Description', 'File Sync Daemon'],
      [nssm, 'set', 'SyncDaemon', 'AppEnvironmentExtra', 'SYNC_DAEMON_SERVICE=nssm:system:SyncDaemon'],
      [nssm, 'set', 'SyncDaemon', 'AppStdout', 'C:\\ProgramData\\sync-daemon\\SyncDaemon\\SyncDaemon.out'],
      [nssm, 'set', 'SyncDaemon', 'AppStderr', 'C:\\ProgramData\\sync-daemon\\SyncDaemon\\SyncDaemon.err'],
      [nssm, 'set', 'SyncDaemon', 'AppRotateFiles', '1'],
      [nssm, 'set', 'SyncDaemon', 'AppExit', 'Default', 'Restart'],
      [nssm, 'set', 'SyncDaemon', 'AppRestartDelay', '5000'],
      [nssm, 'set', 'SyncDaemon', 'AppStopMethodConsole', '80000'],
      [nssm, 'set', 'SyncDaemon', 'Start', 'SERVICE_AUTO_START'],
      [
        'sc.exe',
        'failure',
        'SyncDaemon',
        'reset=',
        '86400',
        'actions=',
        'restart/5000/restart/10000/restart/60000',
      ],
      [nssm, 'start', 'SyncDaemon'],
    ]);
  });
});
