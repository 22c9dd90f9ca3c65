import path from 'node:path';
import { renderTemplate } from './render-template.js';
import type { PlannedCommand, ServicePlan } from './service-plan.js';
import { type ServiceSettings, serviceTag } from './service-settings.js';

/**
 * How long a manager waits for the daemon to stop before it kills it: the daemon's own sequence (each runner: a
 * stop message, then SIGTERM, stop_timeout_secs apart), and a minute for a reload in flight (PocketBase retries).
 */
export function managerStopTimeoutSecs(settings: Pick<ServiceSettings, 'stopTimeoutSecs'>): number {
  return settings.stopTimeoutSecs * 2 + 60;
}

/** Where the unit goes: /etc/systemd/system (root), or ~/.config/systemd/user (--user). */
export function systemdUnitPath(settings: Pick<ServiceSettings, 'name' | 'scope' | 'home'>): string {
  const folder =
    settings.scope === 'system'
      ? '/etc/systemd/system'
      : path.join(settings.home, '.config', 'systemd', 'user');
  return path.join(folder, `${settings.name}.service`);
}

/** The unit for `start --foreground`, rendered from installers/systemd/sync-daemon.service. */
export function renderSystemdUnit(settings: ServiceSettings): string {
  const { name, scope } = settings;
  return renderTemplate('systemd/sync-daemon.service', {
    SCOPE: scope,
    DESCRIPTION: escapeSpecifiers(settings.description),
    EXEC_START: [
      quoteArgument(settings.node, { executable: true }),
      ...[settings.cli, 'start', '--foreground', '--config', settings.configFile].map((argument) =>
        quoteArgument(argument),
      ),
    ].join(' '),
    // Twice the daemon's own (each runner: a stop message, then SIGTERM), and a margin.
    STOP_TIMEOUT_SECS: String(managerStopTimeoutSecs(settings)),
    SERVICE_TAG: serviceTag(settings, 'systemd'),
    NAME: name,
    // A user's own manager would need a user namespace for these (PrivateUsers=, systemd 253 and later), which
    // hides other users' files from the daemon: a system unit only.
    SYSTEM_HARDENING: scope === 'system' ? 'ProtectSystem=full\nPrivateTmp=yes' : '',
    USER_LINE: settings.runAs ? `User=${settings.runAs}` : '',
    WANTED_BY: scope === 'system' ? 'multi-user.target' : 'default.target',
  }).replace(/\n{3,}/g, '\n\n');
}

export function planSystemdInstall(
  settings: ServiceSettings,
  { replacing }: { replacing: boolean },
): ServicePlan {
  const unit = `${settings.name}.service`;
  const systemctl = systemctlCommand(settings);
  const commands: PlannedCommand[] = [];
  // A user's manager stops with their last session unless lingering is on.
  if (settings.scope === 'user')
    commands.push({
      command: 'loginctl',
      args: ['enable-linger', settings.userName],
      why: 'keep the user service running after logout',
    });
  commands.push(systemctl('daemon-reload', [], 'make systemd read the new unit'));
  commands.push(systemctl('enable', ['--now', unit], 'start it now and at every boot'));
  if (replacing) commands.push(systemctl('restart', [unit], 'run the replaced unit'));
  const journal =
    settings.scope === 'system'
      ? `journalctl -u ${settings.name} -f`
      : `journalctl --user -u ${settings.name} -f`;
  const ctl = settings.scope === 'system' ? 'systemctl' : 'systemctl --user';
  return {
    action: 'install',
    manager: 'systemd',
    name: settings.name,
    folders: [path.dirname(systemdUnitPath(settings))],
    files: [{ path: systemdUnitPath(settings), content: renderSystemdUnit(settings), mode: 0o644 }],
    copies: [],
    commands,
    after: [],
    // A new service goes again; a replaced one is brought back as it was, its old unit read again.
    undo: replacing ? [] : [systemctl('disable', ['--now', unit], 'stop and disable what was started')],
    afterUndo: [
      { ...systemctl('daemon-reload', [], 'make systemd read the units as they were'), tolerate: true },
      ...(replacing ? [{ ...systemctl('restart', [unit], 'run the old unit again'), tolerate: true }] : []),
    ],
    notes: [
      `status: ${ctl} status ${settings.name}`,
      `logs:   ${journal}`,
      `remove: sync-daemon uninstall --service-name ${settings.name}${settings.scope === 'user' ? ' --user' : ''}`,
    ],
  };
}

export function planSystemdUninstall(settings: ServiceSettings): ServicePlan {
  const systemctl = systemctlCommand(settings);
  return {
    action: 'uninstall',
    manager: 'systemd',
    name: settings.name,
    folders: [],
    files: [{ path: systemdUnitPath(settings), content: '', mode: 0o644 }],
    copies: [],
    commands: [
      systemctl(
        'disable',
        ['--now', `${settings.name}.service`],
        'stop it and keep it from starting at boot',
      ),
    ],
    after: [systemctl('daemon-reload', [], 'make systemd forget the removed unit')],
    undo: [],
    afterUndo: [],
    notes: [],
  };
}

function systemctlCommand(settings: Pick<ServiceSettings, 'scope'>) {
  return (verb: string, args: string[], why: string): PlannedCommand => ({
    command: 'systemctl',
    args: [...(settings.scope === 'user' ? ['--user'] : []), verb, ...args],
    why,
  });
}

/**
 * An ExecStart argument (systemd.service(5), "Command lines"): `%` and `$` doubled; quoted, with `\\` and `"`
 * escaped, when it holds anything but plain path characters.
 */
export function quoteArgument(argument: string, { executable = false } = {}): string {
  // The executable is no argument: systemd expands nothing in it, and takes no quote, backslash, $ or % there.
  if (executable)
    return /^[\w@+=:,./ -]+$/.test(argument) && !argument.includes('%')
      ? argument.includes(' ')
        ? `"${argument}"`
        : argument
      : `"${argument}"`;
  const escaped = escapeSpecifiers(argument).replace(/\$/g, '$$$$');
  if (/^[\w@+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `%` starts a specifier in most unit settings: a literal one is doubled. */
function escapeSpecifiers(text: string): string {
  return text.replace(/%/g, '%%');
}
