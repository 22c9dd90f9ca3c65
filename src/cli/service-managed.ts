import type { DaemonStatus } from '../control/daemon-api.js';
import { ServiceError } from '../service/service-error.js';
import { formatCommand, type PlannedCommand } from '../service/service-plan.js';

type Service = NonNullable<DaemonStatus['service']>;

/**
 * How `stop` or `restart` goes for a daemon a service manager runs: the manager's own command (the daemon run
 * any other way would be started again by it, or run twice); undefined when this manager is told by hand only.
 */
export function serviceCommand(action: 'stop' | 'restart', service: Service): PlannedCommand | undefined {
  const { manager, scope, name } = service;
  if (manager === 'systemd')
    return {
      command: 'systemctl',
      args: [...(scope === 'user' ? ['--user'] : []), action, `${name}.service`],
      why: `${action} the daemon through systemd`,
    };
  // launchd starts a KeepAlive job again at once: only a restart is its to do.
  if (manager === 'launchd' && action === 'restart')
    return {
      command: 'launchctl',
      args: [
        'kickstart',
        '-k',
        `${scope === 'system' ? 'system' : `gui/${process.getuid?.() ?? 0}`}/${name}`,
      ],
      why: 'restart the daemon through launchd',
    };
  return undefined;
}

/** What to tell the user when the manager's command is theirs to run. */
export function serviceRefusal(action: 'stop' | 'restart', service: Service): ServiceError {
  const { manager, scope, name } = service;
  const hint =
    manager === 'launchd'
      ? `${scope === 'system' ? 'sudo ' : ''}launchctl bootout ${scope === 'system' ? 'system' : 'gui/$(id -u)'}/${name} stops it until the next ${scope === 'system' ? 'boot' : 'login'}; sync-daemon uninstall removes it`
      : action === 'stop'
        ? `sc.exe stop ${name} (or Stop-Service ${name})`
        : `Restart-Service ${name}`;
  return new ServiceError(
    'UNSUPPORTED',
    `the daemon runs as the ${manager} service ${name}, which would start it again: ${action} it through ${manager}`,
    [hint],
  );
}

/** Runs the manager's command, its output shown as it comes (it may ask for a password through polkit). */
export async function runServiceCommand(command: PlannedCommand): Promise<void> {
  const { execa } = await import('execa');
  const result = await execa(command.command, command.args, { reject: false, stdio: 'inherit' });
  if (result.exitCode !== 0)
    throw new ServiceError(
      'SERVICE_COMMAND_FAILED',
      `${formatCommand(command)} failed (${result.exitCode === undefined ? result.shortMessage : `exit ${result.exitCode}`}) while trying to ${command.why}`,
      command.command === 'systemctl' && !command.args.includes('--user') && process.getuid?.() !== 0
        ? ['run it with sudo']
        : [],
    );
}
