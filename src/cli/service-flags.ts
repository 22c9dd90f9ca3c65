import os from 'node:os';
import path from 'node:path';
import { Flags } from '@oclif/core';
import type { ServicePlan } from '../service/service-plan.js';
import { formatCommand } from '../service/service-plan.js';
import type { ServicePlatform, ServiceSettings } from '../service/service-settings.js';

/** The flags `install` and `uninstall` share. */
export const serviceFlags = {
  'service-name': Flags.string({
    summary: 'The service: a systemd unit, a launchd label or a Windows service name.',
    default: 'sync-daemon',
  }),
  user: Flags.boolean({
    summary: 'A service of your own (systemd --user, a LaunchAgent): no root needed.',
    default: false,
  }),
  'dry-run': Flags.boolean({
    summary: 'Print the files it would write and the commands it would run; change nothing.',
    default: false,
  }),
  platform: Flags.option({
    options: ['linux', 'darwin', 'win32'] as const,
    summary: 'With --dry-run: show the plan for another platform.',
    dependsOn: ['dry-run'],
  })(),
  nssm: Flags.boolean({
    summary: 'Windows: run it through NSSM (on PATH) rather than WinSW.',
    default: false,
  }),
};

/** Settings common to both commands, from the flags and this process (Node.js, the CLI, the user). */
export function baseServiceSettings(
  flags: { 'service-name': string; user: boolean; platform?: ServicePlatform | undefined },
  root: string,
  platform: ServicePlatform,
): Omit<ServiceSettings, 'description' | 'configFile' | 'stopTimeoutSecs' | 'force'> {
  const user = os.userInfo();
  return {
    platform,
    name: flags['service-name'],
    scope: flags.user ? 'user' : 'system',
    node: process.execPath,
    cli: path.join(root, 'bin', 'run.js'),
    userName: user.username,
    home: os.homedir(),
    uid: process.getuid?.() ?? -1,
    programData: process.env.ProgramData ?? 'C:\\ProgramData',
  };
}

/** A plan as `--dry-run` prints it: each file whole, each command with what it is for. */
export function formatPlan(plan: ServicePlan, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'Would' : 'Will'} ${plan.action} ${plan.name} (${plan.manager}):`,
    ...plan.folders.map((folder) => `  mkdir -p ${folder}`),
    ...plan.copies.map(([from, to]) => `  copy ${from} to ${to}`),
  ];
  const files = plan.files.flatMap((file) =>
    plan.action === 'install'
      ? [
          `  write ${file.path} (mode ${file.mode.toString(8)}):`,
          ...file.content
            .trimEnd()
            .split('\n')
            .map((line) => `    | ${line}`),
        ]
      : [`  remove ${file.path}`],
  );
  const commands = (list: ServicePlan['commands']) =>
    list.map((command) => `  run ${formatCommand(command)}    # ${command.why}`);
  if (plan.action === 'install') lines.push(...files, ...commands(plan.commands));
  else lines.push(...commands(plan.commands), ...files, ...commands(plan.after));
  if (dryRun) lines.push('Nothing was changed (--dry-run).');
  return `${lines.join('\n')}\n`;
}
