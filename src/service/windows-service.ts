import path from 'node:path';
import { escapeXml, renderTemplate } from './render-template.js';
import type { PlannedCommand, ServicePlan } from './service-plan.js';
import { type ServiceSettings, serviceTag } from './service-settings.js';
import { managerStopTimeoutSecs } from './systemd-service.js';

// A Node process cannot answer the Service Control Manager itself (a plain `sc.exe create` on node.exe fails at
// start with error 1053), so a wrapper does: WinSW (its executable copied into the service's folder, configured
// by the XML beside it), or NSSM when asked for or on PATH (the seed README's fallback).

const win = path.win32;

/** %ProgramData%\sync-daemon\<name>: the wrapper, its config and its logs. */
export function windowsServiceFolder(settings: Pick<ServiceSettings, 'name' | 'programData'>): string {
  return win.join(settings.programData, 'sync-daemon', settings.name);
}

/** Windows' own quoting for one argument of a command line: in double quotes when it has spaces or quotes. */
export function quoteWindowsArgument(argument: string): string {
  if (argument !== '' && !/[\s"]/.test(argument)) return argument;
  // Backslashes before a quote (or the closing one) are doubled; quotes are escaped (CommandLineToArgvW).
  return `"${argument.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/** The daemon's arguments after node.exe, as one command line. */
function daemonArguments(settings: ServiceSettings): string {
  return [settings.cli, 'start', '--foreground', '--config', settings.configFile]
    .map(quoteWindowsArgument)
    .join(' ');
}

export function renderWinswXml(settings: ServiceSettings): string {
  return renderTemplate('windows/sync-daemon.xml', {
    NAME: escapeXml(settings.name),
    DESCRIPTION: escapeXml(settings.description),
    NODE: escapeXml(settings.node),
    ARGUMENTS: escapeXml(daemonArguments(settings)),
    SERVICE_TAG: escapeXml(serviceTag(settings, 'winsw')),
    STOP_TIMEOUT_SECS: String(managerStopTimeoutSecs(settings)),
    LOG_DIR: escapeXml(win.join(windowsServiceFolder(settings), 'logs')),
  });
}

/**
 * `replacing`: the service is there already (--force): it is stopped and unregistered first, and registered
 * again from its old files if the new one fails. `withConfig`: WinSW 1.x (node-windows's) comes with an
 * `.exe.config` that lets it run on .NET 4: it goes beside the copy too.
 */
export function planWinswInstall(
  settings: ServiceSettings,
  winsw: string,
  { replacing = false, withConfig = false }: { replacing?: boolean; withConfig?: boolean } = {},
): ServicePlan {
  const folder = windowsServiceFolder(settings);
  const exe = win.join(folder, `${settings.name}.exe`);
  const run = (verb: string, why: string, tolerate = false): PlannedCommand => ({
    command: exe,
    args: [verb],
    why,
    ...(tolerate ? { tolerate } : {}),
  });
  return {
    action: 'install',
    manager: 'winsw',
    name: settings.name,
    folders: [folder, win.join(folder, 'logs')],
    files: [
      { path: win.join(folder, `${settings.name}.xml`), content: renderWinswXml(settings), mode: 0o644 },
    ],
    copies: [[winsw, exe], ...(withConfig ? [[`${winsw}.config`, `${exe}.config`] as [string, string]] : [])],
    commands: [
      ...(replacing
        ? [run('stop', 'stop the service it replaces', true), run('uninstall', 'unregister it')]
        : []),
      run('install', 'register the service'),
      run('start', 'start it (it starts at every boot too)'),
    ],
    after: [],
    undo: [run('stop', 'stop it', true), run('uninstall', 'unregister it', true)],
    afterUndo: replacing
      ? [run('install', 'register the old service again', true), run('start', 'start it', true)]
      : [],
    notes: [
      `status: sc.exe query ${settings.name}`,
      `logs:   ${win.join(folder, 'logs')}`,
      `remove: sync-daemon uninstall --service-name ${settings.name}`,
    ],
  };
}

export function planWinswUninstall(settings: ServiceSettings): ServicePlan {
  const folder = windowsServiceFolder(settings);
  const exe = win.join(folder, `${settings.name}.exe`);
  return {
    action: 'uninstall',
    manager: 'winsw',
    name: settings.name,
    folders: [],
    files: [
      { path: win.join(folder, `${settings.name}.xml`), content: '', mode: 0o644 },
      { path: exe, content: '', mode: 0o755 },
      { path: `${exe}.config`, content: '', mode: 0o644 },
    ],
    copies: [],
    commands: [
      // Stopped already: it is still unregistered.
      { command: exe, args: ['stop'], why: 'stop it', tolerate: true },
      { command: exe, args: ['uninstall'], why: 'unregister it' },
    ],
    after: [],
    undo: [],
    afterUndo: [],
    notes: [],
  };
}

/** `replacing`: the service is there already (--force): stopped and removed first (NSSM cannot bring it back). */
export function planNssmInstall(
  settings: ServiceSettings,
  nssm: string,
  { replacing = false }: { replacing?: boolean } = {},
): ServicePlan {
  const { name } = settings;
  const folder = windowsServiceFolder(settings);
  const set = (key: string, ...values: string[]): PlannedCommand => ({
    command: nssm,
    args: ['set', name, key, ...values],
    why: `set ${key}`,
  });
  return {
    action: 'install',
    manager: 'nssm',
    name,
    folders: [folder],
    files: [],
    copies: [],
    commands: [
      ...(replacing
        ? [
            { command: nssm, args: ['stop', name], why: 'stop the service it replaces', tolerate: true },
            { command: nssm, args: ['remove', name, 'confirm'], why: 'unregister it' },
          ]
        : []),
      { command: nssm, args: ['install', name, settings.node], why: 'register the service' },
      set('AppParameters', daemonArguments(settings)),
      set('AppDirectory', win.dirname(settings.configFile)),
      set('DisplayName', name),
      set('Description', settings.description),
      set('AppEnvironmentExtra', `SYNC_DAEMON_SERVICE=${serviceTag(settings, 'nssm')}`),
      set('AppStdout', win.join(folder, `${name}.out`)),
      set('AppStderr', win.join(folder, `${name}.err`)),
      set('AppRotateFiles', '1'),
      set('AppExit', 'Default', 'Restart'),
      set('AppRestartDelay', '5000'),
      set('AppStopMethodConsole', String(managerStopTimeoutSecs(settings) * 1000)),
      set('Start', 'SERVICE_AUTO_START'),
      {
        command: 'sc.exe',
        args: ['failure', name, 'reset=', '86400', 'actions=', 'restart/5000/restart/10000/restart/60000'],
        why: 'restart it if NSSM itself fails',
      },
      { command: nssm, args: ['start', name], why: 'start it (it starts at every boot too)' },
    ],
    after: [],
    undo: [
      { command: nssm, args: ['stop', name], why: 'stop it', tolerate: true },
      { command: nssm, args: ['remove', name, 'confirm'], why: 'unregister it', tolerate: true },
    ],
    afterUndo: [],
    notes: [
      `status: sc.exe query ${name}`,
      `logs:   ${win.join(folder, `${name}.out`)}`,
      `remove: sync-daemon uninstall --service-name ${name}`,
    ],
  };
}

export function planNssmUninstall(settings: ServiceSettings, nssm: string): ServicePlan {
  return {
    action: 'uninstall',
    manager: 'nssm',
    name: settings.name,
    folders: [],
    files: [],
    copies: [],
    commands: [
      { command: nssm, args: ['stop', settings.name], why: 'stop it', tolerate: true },
      { command: nssm, args: ['remove', settings.name, 'confirm'], why: 'unregister it' },
    ],
    after: [],
    undo: [],
    afterUndo: [],
    notes: [],
  };
}
