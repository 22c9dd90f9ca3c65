import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { planService } from '../../src/service/plan-service.js';
import { runServicePlan } from '../../src/service/run-service-plan.js';
import { ServiceError } from '../../src/service/service-error.js';
import type { PlannedCommand, ServicePlan } from '../../src/service/service-plan.js';
import { parseServiceTag } from '../../src/service/service-settings.js';
import { fakeServiceHost, serviceRequest } from '../helpers/service-request.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const commandLines = (plan: ServicePlan) =>
  plan.commands.map(({ command, args }) => [command, ...args].join(' '));

describe('service plans', () => {
  afterEach(removeTempDirs);

  it('refuses a service installed already unless --force, which replaces and restarts it', () => {
    const unit = '/etc/systemd/system/sync-daemon.service';
    expect(() =>
      planService(
        serviceRequest(),
        fakeServiceHost((file) => [unit].includes(file)),
      ),
    )
      .to.throw(
        ServiceError,
        'a service named sync-daemon is installed already (/etc/systemd/system/sync-daemon.service)',
      )
      .with.property('code', 'SERVICE_EXISTS');
    expect(
      commandLines(
        planService(
          serviceRequest({ force: true }),
          fakeServiceHost((file) => [unit].includes(file)),
        ),
      ),
    ).to.deep.equal([
      'systemctl daemon-reload',
      'systemctl enable --now sync-daemon.service',
      'systemctl restart sync-daemon.service',
    ]);
  });

  it('uses NSSM when asked or when it is the only wrapper, WinSW otherwise', () => {
    const windows = { platform: 'win32' as const, name: 'SyncDaemon' };
    const nssmOnPath = {
      which: (command: string) => (command === 'nssm' ? 'C:\\nssm\\nssm.exe' : undefined),
    };
    const bundled = { bundledWinsw: () => 'C:\\node_modules\\node-windows\\bin\\winsw\\winsw.exe' };
    expect(
      planService(serviceRequest(windows), fakeServiceHost(undefined, { ...nssmOnPath, ...bundled })).manager,
    ).to.equal('winsw');
    expect(
      planService(
        serviceRequest({ ...windows, useNssm: true }),
        fakeServiceHost(undefined, { ...nssmOnPath, ...bundled }),
      ).manager,
    ).to.equal('nssm');
    expect(planService(serviceRequest(windows), fakeServiceHost(undefined, nssmOnPath)).manager).to.equal(
      'nssm',
    );
    expect(() => planService(serviceRequest({ ...windows, useNssm: true }), fakeServiceHost())).to.throw(
      'nssm.exe is not on PATH',
    );
  });

  it('reads back the manager a daemon was started by, and nothing garbled', () => {
    expect(parseServiceTag('systemd:user:my-sync')).to.deep.equal({
      manager: 'systemd',
      scope: 'user',
      name: 'my-sync',
    });
    for (const tag of [undefined, '', 'systemd:system:', 'upstart:system:x', 'systemd:system:a;b'])
      expect(parseServiceTag(tag), String(tag)).to.equal(undefined);
  });

  it('undoes an install whose command fails: commands undone, a new file removed, a replaced one put back', async () => {
    const dir = await makeTempDir();
    const fresh = path.join(dir, 'new', 'fresh.service');
    const replaced = path.join(dir, 'replaced.service');
    fs.writeFileSync(replaced, 'the old unit\n');
    const ran: string[] = [];
    const plan: ServicePlan = {
      action: 'install',
      manager: 'systemd',
      name: 'fresh',
      folders: [path.dirname(fresh)],
      files: [
        { path: fresh, content: 'new\n', mode: 0o644 },
        { path: replaced, content: 'the new unit\n', mode: 0o644 },
      ],
      copies: [],
      commands: [
        { command: 'systemctl', args: ['daemon-reload'], why: 'reload' },
        { command: 'systemctl', args: ['enable', '--now', 'fresh.service'], why: 'start it' },
      ],
      after: [],
      undo: [{ command: 'systemctl', args: ['disable', '--now', 'fresh.service'], why: 'undo' }],
      afterUndo: [{ command: 'systemctl', args: ['daemon-reload'], why: 'forget it' }],
      notes: [],
    };
    const run = async (command: PlannedCommand) => {
      ran.push([command.command, ...command.args].join(' '));
      if (command.args[0] === 'enable')
        throw new ServiceError(
          'SERVICE_COMMAND_FAILED',
          'systemctl enable --now fresh.service failed (exit 1): no bus',
        );
    };
    const failure = await runServicePlan(plan, { run }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.equal('systemctl enable --now fresh.service failed (exit 1): no bus');
    expect(ran).to.deep.equal([
      'systemctl daemon-reload',
      'systemctl enable --now fresh.service',
      'systemctl disable --now fresh.service',
      'systemctl daemon-reload',
    ]);
    expect(fs.existsSync(path.dirname(fresh)), 'the folder it made').to.equal(false);
    expect(fs.readFileSync(replaced, 'utf8')).to.equal('the old unit\n');
    expect(fs.readdirSync(dir)).to.deep.equal(['replaced.service']);
  });

  it('says which command failed, with what it printed, through execa', async () => {
    const dir = await makeTempDir();
    const plan: ServicePlan = {
      action: 'install',
      manager: 'systemd',
      name: 'x',
      folders: [],
      files: [{ path: path.join(dir, 'x.service'), content: 'x\n', mode: 0o644 }],
      copies: [],
      commands: [
        { command: 'sh', args: ['-c', 'echo "Failed to connect to bus" >&2; exit 1'], why: 'start it' },
      ],
      after: [],
      undo: [],
      afterUndo: [],
      notes: [],
    };
    const failure = await runServicePlan(plan).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).to.equal(
      `sh -c 'echo "Failed to connect to bus" >&2; exit 1' failed (exit 1) while trying to start it:\nFailed to connect to bus`,
    );
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });
});
