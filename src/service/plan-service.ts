import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../cli/usage-error.js';
import { launchdPlistPath, planLaunchdInstall, planLaunchdUninstall } from './launchd-service.js';
import { ServiceError } from './service-error.js';
import type { ServicePlan } from './service-plan.js';
import {
  checkDescription,
  checkServiceName,
  checkServicePath,
  type ServicePlatform,
  type ServiceSettings,
} from './service-settings.js';
import { planSystemdInstall, planSystemdUninstall, systemdUnitPath } from './systemd-service.js';
import {
  planNssmInstall,
  planNssmUninstall,
  planWinswInstall,
  planWinswUninstall,
  windowsServiceFolder,
} from './windows-service.js';

export interface ServiceRequest extends ServiceSettings {
  action: 'install' | 'uninstall';
  /** Only print the plan: the machine's state (root, systemd running, a service there) is not required. */
  dryRun: boolean;
  /** Windows: use NSSM (its path, or found on PATH). */
  useNssm: boolean;
}

/** What the machine says, asked here so that tests can say otherwise. */
export interface ServiceHost {
  systemdRunning: () => boolean;
  exists: (file: string) => boolean;
  /** An executable on PATH, or undefined. */
  which: (command: string) => string | undefined;
  /** winsw.exe of the node-windows package, when it is installed. */
  bundledWinsw: () => string | undefined;
}

export const realServiceHost: ServiceHost = {
  systemdRunning: () => fs.existsSync('/run/systemd/system'),
  exists: (file) => fs.existsSync(file),
  which: (command) => {
    for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
      for (const name of process.platform === 'win32' ? [`${command}.exe`, command] : [command]) {
        const candidate = path.join(folder, name);
        if (folder && fs.existsSync(candidate)) return candidate;
      }
    }
    return undefined;
  },
  bundledWinsw: () => {
    try {
      const manifest = createRequire(import.meta.url).resolve('node-windows/package.json');
      const exe = path.join(path.dirname(manifest), 'bin', 'winsw', 'winsw.exe');
      return fs.existsSync(exe) ? exe : undefined;
    } catch {
      return undefined;
    }
  },
};

const RUN_AS = /^[a-z_][a-z0-9_-]{0,31}$/;

/** The plan for what was asked on this platform, once the request and the machine are checked. */
export function planService(request: ServiceRequest, host: ServiceHost = realServiceHost): ServicePlan {
  checkRequest(request);
  const { platform, action } = request;
  if (action === 'install' && request.runAs && !request.dryRun && platform === process.platform)
    for (const [what, file] of [
      ['Node.js', request.node],
      ['the CLI', request.cli],
      ['the config', request.configFile],
    ] as const)
      checkReachableByOthers(what, file, request.runAs);
  if (platform === 'linux') {
    if (!request.dryRun) checkSystemd(request, host);
    const installed = host.exists(systemdUnitPath(request));
    checkPresence(request, installed, systemdUnitPath(request));
    return action === 'install'
      ? planSystemdInstall(request, { replacing: installed })
      : planSystemdUninstall(request);
  }
  if (platform === 'darwin') {
    if (!request.dryRun) checkRoot(request, 'launchctl bootstrap system');
    const installed = host.exists(launchdPlistPath(request));
    checkPresence(request, installed, launchdPlistPath(request));
    return action === 'install'
      ? planLaunchdInstall(request, { replacing: installed })
      : planLaunchdUninstall(request);
  }
  return planWindows(request, host);
}

/** NSSM when asked for; else WinSW (--winsw, or node-windows's); else NSSM when it is on PATH. */
function planWindows(request: ServiceRequest, host: ServiceHost): ServicePlan {
  if (request.scope === 'user')
    throw new ServiceError(
      'UNSUPPORTED',
      'Windows services run for the whole machine: --user has no meaning there',
    );
  const winsw = request.useNssm ? undefined : (request.winsw ?? host.bundledWinsw());
  const nssm = winsw ? undefined : (request.nssm ?? host.which('nssm'));
  if (nssm)
    return request.action === 'install' ? planNssmInstall(request, nssm) : planNssmUninstall(request, nssm);
  if (request.useNssm)
    throw new ServiceError('NO_WRAPPER', 'NSSM was asked for (--nssm) but nssm.exe is not on PATH', [
      'download it from https://nssm.cc/download and put nssm.exe on PATH',
    ]);
  const xml = path.win32.join(windowsServiceFolder(request), `${request.name}.xml`);
  checkPresence(request, host.exists(xml), xml);
  if (request.action === 'uninstall') return planWinswUninstall(request);
  if (!winsw)
    throw new ServiceError('NO_WRAPPER', 'no WinSW or NSSM to run the daemon as a Windows service', [
      'npm install node-windows (it ships winsw.exe), or pass your own: --winsw C:\\tools\\WinSW-x64.exe',
      'or put NSSM (https://nssm.cc) on PATH',
    ]);
  return planWinswInstall(request, winsw);
}

function checkRequest(request: ServiceRequest): void {
  const problems = [
    checkServiceName(request.name),
    request.action === 'install' ? checkDescription(request.description) : undefined,
    request.action === 'install' ? checkServicePath('the config file', request.configFile) : undefined,
    request.action === 'install' ? checkServicePath('Node.js', request.node) : undefined,
    request.action === 'install' ? checkServicePath('the CLI', request.cli) : undefined,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length) throw new UsageError(problems.join('; '));
  if (request.runAs !== undefined) {
    if (request.scope === 'user')
      throw new UsageError('--run-as names the account of a system service: a --user service runs as you');
    if (!RUN_AS.test(request.runAs))
      throw new UsageError(
        `--run-as ${JSON.stringify(request.runAs)} is not a user name (lowercase letters, digits, _ and -)`,
      );
  }
}

function checkSystemd(request: ServiceRequest, host: ServiceHost): void {
  if (request.scope === 'system') checkRoot(request, 'systemctl');
  if (!host.systemdRunning())
    throw new ServiceError(
      'NO_SYSTEMD',
      'systemd is not running on this machine (a container, or another init): there is no service manager to install into',
      [
        'run the daemon under your own init or supervisor: sync-daemon start --foreground --config <file>',
        'sync-daemon install --dry-run shows the unit it would write',
      ],
    );
}

function checkRoot(request: ServiceRequest, tool: string): void {
  if (request.scope !== 'system' || request.uid === 0) return;
  throw new ServiceError(
    'NOT_ROOT',
    `${request.action === 'install' ? 'installing' : 'removing'} a system service needs root (${tool}); you are uid ${request.uid}`,
    [`run it with sudo, or add --user for a service of your own (no root)`],
  );
}

function checkPresence(request: ServiceRequest, installed: boolean, file: string): void {
  if (request.action === 'install' && installed && !request.force)
    throw new ServiceError(
      'SERVICE_EXISTS',
      `a service named ${request.name} is installed already (${file})`,
      ['add --force to replace it, or pick another --service-name'],
    );
  if (request.action === 'uninstall' && !installed)
    throw new ServiceError('SERVICE_MISSING', `no service named ${request.name} is installed (no ${file})`, [
      request.scope === 'user'
        ? 'a system service is removed without --user'
        : 'a user service is removed with --user',
    ]);
}

/** The platform a request is for: this one, or another one for a dry run (`--platform`). */
export function platformOf(value: string | undefined): ServicePlatform {
  const platform = value ?? process.platform;
  if (platform === 'linux' || platform === 'darwin' || platform === 'win32') return platform;
  throw new ServiceError(
    'UNSUPPORTED',
    `sync-daemon installs services on linux, darwin and win32, not ${platform}`,
  );
}

/**
 * A service run as another account (--run-as) must be able to read Node.js, the CLI and the config: a checkout in
 * a private home (mode 0700, as /root is) is out of its reach, and the service would fail at every start.
 */
function checkReachableByOthers(what: string, file: string, account: string): void {
  const blocked = [file, ...ancestors(file)].find((entry, index) => {
    try {
      const { mode } = fs.statSync(entry);
      // Others need to read the file itself, and to enter every folder above it.
      return index === 0 ? (mode & 0o004) === 0 : (mode & 0o001) === 0;
    } catch {
      return true;
    }
  });
  if (blocked !== undefined)
    throw new UsageError(
      `${what} (${file}) is out of reach of ${account}: ${blocked} is not open to other users`,
      [
        'install sync-daemon where every user can read it (npm install -g sync-daemon), or leave out --run-as',
      ],
    );
}

function ancestors(file: string): string[] {
  const folders: string[] = [];
  for (let folder = path.dirname(file); folder !== path.dirname(folder); folder = path.dirname(folder))
    folders.push(folder);
  return folders;
}
