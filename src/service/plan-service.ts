import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import which from 'which';
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
  /** A file's text, or undefined when there is none (a unit or plist found: ours, or someone else's?). */
  read: (file: string) => string | undefined;
  /** Windows: whether the Service Control Manager knows a service of that name. */
  registered: (name: string) => boolean;
}

/** What every file `install` writes says of itself: a file without it is someone else's, never replaced. */
const OURS = 'written by `sync-daemon install`';

export const realServiceHost: ServiceHost = {
  systemdRunning: () => fs.existsSync('/run/systemd/system'),
  exists: (file) => fs.existsSync(file),
  // PATHEXT and all: the `which` package, as npm itself finds commands.
  which: (command) => which.sync(command, { nothrow: true }) ?? undefined,
  bundledWinsw: () => {
    try {
      const manifest = createRequire(import.meta.url).resolve('node-windows/package.json');
      const exe = path.join(path.dirname(manifest), 'bin', 'winsw', 'winsw.exe');
      return fs.existsSync(exe) ? exe : undefined;
    } catch {
      return undefined;
    }
  },
  read: (file) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  registered: (name) => spawnSync('sc.exe', ['query', name], { stdio: 'ignore' }).status === 0,
};

/** Where systemd finds units of a name, its own folder for them first (systemd.unit(5), "Unit File Load Path"). */
function unitFolders(scope: 'system' | 'user', home: string): string[] {
  return scope === 'system'
    ? [
        '/etc/systemd/system',
        '/run/systemd/system',
        '/usr/local/lib/systemd/system',
        '/lib/systemd/system',
        '/usr/lib/systemd/system',
      ]
    : [path.join(home, '.config', 'systemd', 'user'), '/etc/systemd/user', '/usr/lib/systemd/user'];
}

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
      checkReachable(what, file, request.runAs);
  if (platform === 'linux') {
    if (!request.dryRun) checkSystemd(request, host);
    if (!/^[\w@+=:,./ -]+$/.test(request.node) || request.node.includes('%'))
      throw usage(
        `Node.js's path ${JSON.stringify(request.node)} holds a character systemd takes no executable with`,
      );
    const target = systemdUnitPath(request);
    // Another unit of that name (the system's, another package's) would be shadowed: never, even with --force.
    for (const file of unitFolders(request.scope, request.home).map((folder) =>
      path.join(folder, `${request.name}.service`),
    ))
      if (file !== target && host.exists(file))
        throw new ServiceError(
          'SERVICE_EXISTS',
          `a service named ${request.name} is installed already (${file}, not by sync-daemon)`,
          ['pick another --service-name'],
        );
    const installed = host.exists(target);
    checkOurs(request, installed ? host.read(target) : undefined, target);
    checkPresence(request, installed, target);
    return action === 'install'
      ? planSystemdInstall(request, { replacing: installed })
      : planSystemdUninstall(request);
  }
  if (platform === 'darwin') {
    if (!request.dryRun) checkRoot(request, 'launchctl bootstrap system');
    const installed = host.exists(launchdPlistPath(request));
    checkOurs(
      request,
      installed ? host.read(launchdPlistPath(request)) : undefined,
      launchdPlistPath(request),
    );
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
  if (request.runAs !== undefined)
    throw usage('--run-as is for systemd and launchd: a Windows service runs as LocalSystem', [
      'give it another account afterwards in services.msc (its Log On tab), or with sc.exe config <name> obj= <account> password= <password>',
    ]);
  const winsw = request.useNssm ? undefined : (request.winsw ?? host.bundledWinsw());
  const nssm = winsw ? undefined : (request.nssm ?? host.which('nssm'));
  if (nssm) {
    // NSSM keeps nothing on disk: the Service Control Manager says whether the service is there.
    const registered = request.dryRun ? false : host.registered(request.name);
    if (!request.dryRun) checkPresence(request, registered, `the service ${request.name}`);
    return request.action === 'install'
      ? planNssmInstall(request, nssm, { replacing: registered })
      : planNssmUninstall(request, nssm);
  }
  if (request.useNssm)
    throw new ServiceError('NO_WRAPPER', 'NSSM was asked for (--nssm) but nssm.exe is not on PATH', [
      'download it from https://nssm.cc/download and put nssm.exe on PATH',
    ]);
  const xml = path.win32.join(windowsServiceFolder(request), `${request.name}.xml`);
  const installed = host.exists(xml);
  checkOurs(request, installed ? host.read(xml) : undefined, xml);
  checkPresence(request, installed, xml);
  if (request.action === 'uninstall') return planWinswUninstall(request);
  if (!winsw)
    throw new ServiceError('NO_WRAPPER', 'no WinSW or NSSM to run the daemon as a Windows service', [
      'npm install node-windows (it ships winsw.exe), or pass your own: --winsw C:\\tools\\WinSW-x64.exe',
      'or put NSSM (https://nssm.cc) on PATH',
    ]);
  return planWinswInstall(request, winsw, {
    replacing: installed,
    withConfig: host.exists(`${winsw}.config`),
  });
}

/** A file there already that `install` did not write is someone else's: never replaced or removed. */
function checkOurs(request: ServiceRequest, content: string | undefined, file: string): void {
  if (content === undefined || content.includes(OURS)) return;
  throw new ServiceError(
    'SERVICE_EXISTS',
    `a service named ${request.name} is installed already (${file}, not by sync-daemon): it is left alone`,
    ['pick another --service-name'],
  );
}

function checkRequest(request: ServiceRequest): void {
  const problems = [
    checkServiceName(request.name),
    request.action === 'install' ? checkDescription(request.description) : undefined,
    request.action === 'install' ? checkServicePath('the config file', request.configFile) : undefined,
    request.action === 'install' ? checkServicePath('Node.js', request.node) : undefined,
    request.action === 'install' ? checkServicePath('the CLI', request.cli) : undefined,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length) throw usage(problems.join('; '));
  if (request.runAs !== undefined) {
    if (request.scope === 'user')
      throw usage('--run-as names the account of a system service: a --user service runs as you');
    if (!RUN_AS.test(request.runAs))
      throw usage(
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
 * A service run as another account (--run-as) must be able to read Node.js, the CLI and the config, by its owner,
 * group or other bits (a config holding a password is best its own, mode 600): a checkout in a private home (mode
 * 0700, as /root is) is out of its reach, and the service would fail at every start.
 */
function checkReachable(what: string, file: string, account: string): void {
  const ids = accountIds(account);
  const blocked = [file, ...ancestors(file)].find((entry, index) => {
    try {
      const { mode, uid, gid } = fs.statSync(entry);
      // Read the file itself; enter every folder above it.
      const shift = uid === ids.uid ? 6 : ids.gids.includes(gid) ? 3 : 0;
      const wanted = index === 0 ? 0o4 : 0o1;
      return ((mode >> shift) & wanted) === 0;
    } catch {
      return true;
    }
  });
  if (blocked !== undefined)
    throw usage(`${what} (${file}) is out of reach of ${account}: ${blocked} is not open to it`, [
      `install sync-daemon where ${account} can read it (npm install -g sync-daemon), give the config to ${account} (chown), or leave out --run-as`,
    ]);
}

/** The uid and groups of an account, by `id`; a usage error when there is no such account. */
function accountIds(account: string): { uid: number; gids: number[] } {
  const uid = spawnSync('id', ['-u', account], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-G', account], { encoding: 'utf8' });
  if (uid.status !== 0 || groups.status !== 0)
    throw usage(`--run-as ${account}: there is no such account on this machine`, [
      `make it first, e.g. useradd --system --no-create-home ${account}`,
    ]);
  return { uid: Number(uid.stdout.trim()), gids: groups.stdout.trim().split(/\s+/).map(Number) };
}

function ancestors(file: string): string[] {
  const folders: string[] = [];
  for (let folder = path.dirname(file); folder !== path.dirname(folder); folder = path.dirname(folder))
    folders.push(folder);
  return folders;
}

function usage(message: string, suggestions: string[] = []): ServiceError {
  return new ServiceError('SERVICE_USAGE', message, suggestions);
}
