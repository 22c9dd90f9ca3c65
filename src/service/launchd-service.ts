import path from 'node:path';
import { escapeXml, renderTemplate } from './render-template.js';
import type { ServicePlan } from './service-plan.js';
import { type ServiceSettings, serviceTag } from './service-settings.js';
import { managerStopTimeoutSecs } from './systemd-service.js';

/** A LaunchDaemon (root, /Library/LaunchDaemons) or a LaunchAgent (--user, ~/Library/LaunchAgents). */
export function launchdPlistPath(settings: Pick<ServiceSettings, 'name' | 'scope' | 'home'>): string {
  const folder =
    settings.scope === 'system'
      ? '/Library/LaunchDaemons'
      : path.join(settings.home, 'Library', 'LaunchAgents');
  return path.join(folder, `${settings.name}.plist`);
}

/** stdout and stderr: /var/log/<name>.out and .err, or the user's ~/Library/Logs. */
export function launchdLogPaths(settings: Pick<ServiceSettings, 'name' | 'scope' | 'home'>): {
  out: string;
  err: string;
} {
  const folder = settings.scope === 'system' ? '/var/log' : path.join(settings.home, 'Library', 'Logs');
  return { out: path.join(folder, `${settings.name}.out`), err: path.join(folder, `${settings.name}.err`) };
}

/** launchctl's domain: the system's, or the user's GUI session. */
function domainOf(settings: Pick<ServiceSettings, 'scope' | 'uid'>): string {
  return settings.scope === 'system' ? 'system' : `gui/${settings.uid}`;
}

export function renderLaunchdPlist(settings: ServiceSettings): string {
  const logs = launchdLogPaths(settings);
  const argumentsXml = [settings.node, settings.cli, 'start', '--foreground', '--config', settings.configFile]
    .map((argument) => `    <string>${escapeXml(argument)}</string>`)
    .join('\n');
  return renderTemplate('launchd/sync-daemon.plist', {
    KIND: settings.scope === 'system' ? 'LaunchDaemon' : 'LaunchAgent',
    NAME: escapeXml(settings.name),
    PROGRAM_ARGUMENTS: argumentsXml,
    SERVICE_TAG: escapeXml(serviceTag(settings, 'launchd')),
    STOP_TIMEOUT_SECS: String(managerStopTimeoutSecs(settings)),
    STDOUT: escapeXml(logs.out),
    STDERR: escapeXml(logs.err),
    USER_KEY: settings.runAs ? `  <key>UserName</key>\n  <string>${escapeXml(settings.runAs)}</string>` : '',
  }).replace(/\n\n<\/dict>\n<\/plist>/, '\n</dict>\n</plist>');
}

export function planLaunchdInstall(
  settings: ServiceSettings,
  { replacing }: { replacing: boolean },
): ServicePlan {
  const plist = launchdPlistPath(settings);
  const domain = domainOf(settings);
  const bootout = {
    command: 'launchctl',
    args: ['bootout', `${domain}/${settings.name}`],
    why: 'unload the service',
  };
  const logs = launchdLogPaths(settings);
  return {
    action: 'install',
    manager: 'launchd',
    name: settings.name,
    folders: [path.dirname(plist), path.dirname(logs.out)],
    files: [{ path: plist, content: renderLaunchdPlist(settings), mode: 0o644 }],
    copies: [],
    commands: [
      ...(replacing ? [{ ...bootout, why: 'unload the service it replaces' }] : []),
      {
        command: 'launchctl',
        args: ['bootstrap', domain, plist],
        why: 'load it: it starts now and at every boot',
      },
    ],
    after: [],
    undo: [{ ...bootout, tolerate: true }],
    // A replaced service: its old plist, put back, loaded again.
    afterUndo: replacing
      ? [
          {
            command: 'launchctl',
            args: ['bootstrap', domain, plist],
            why: 'load the old service again',
            tolerate: true,
          },
        ]
      : [],
    notes: [
      `status: ${settings.scope === 'system' ? 'sudo ' : ''}launchctl print ${domain}/${settings.name}`,
      `logs:   tail -f ${logs.out} ${logs.err}`,
      `remove: ${settings.scope === 'system' ? 'sudo ' : ''}sync-daemon uninstall --service-name ${settings.name}${settings.scope === 'user' ? ' --user' : ''}`,
    ],
  };
}

export function planLaunchdUninstall(settings: ServiceSettings): ServicePlan {
  return {
    action: 'uninstall',
    manager: 'launchd',
    name: settings.name,
    folders: [],
    files: [{ path: launchdPlistPath(settings), content: '', mode: 0o644 }],
    copies: [],
    commands: [
      {
        command: 'launchctl',
        args: ['bootout', `${domainOf(settings)}/${settings.name}`],
        why: 'stop and unload the service',
        // Unloaded already (booted out by hand): the plist still goes.
        tolerate: true,
      },
    ],
    after: [],
    undo: [],
    afterUndo: [],
    notes: [],
  };
}
