import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { baseServiceSettings, formatPlan, serviceFlags } from '../cli/service-flags.js';
import type { ServicePlan } from '../service/service-plan.js';

export default class Install extends BaseCommand<typeof Install> {
  static override summary =
    'Install the daemon as a service: systemd (Linux), launchd (macOS), WinSW or NSSM (Windows).';
  static override description =
    'The service runs `sync-daemon start --foreground` on the config (checked first), with this Node.js and ' +
    'CLI, restarts it when it fails, and starts it at boot (or at login for --user). A system service needs ' +
    'root; --user installs one of your own (systemd --user with lingering, a LaunchAgent). An existing service ' +
    'of that name is refused unless --force; a failure undoes what was written. Once installed, stop and ' +
    'restart it through its manager (sync-daemon stop and restart do so).';
  static override examples = [
    'sudo <%= config.bin %> <%= command.id %> --config /etc/sync-daemon/config.toml',
    '<%= config.bin %> <%= command.id %> --user --service-name my-sync --description "My sync"',
    '<%= config.bin %> <%= command.id %> --dry-run --platform win32',
  ];
  static override flags = {
    ...serviceFlags,
    description: Flags.string({
      summary: 'One line saying what the service is.',
      default: 'sync-daemon: keeps folders mirrored',
    }),
    'run-as': Flags.string({ summary: 'A system service runs as this account rather than root.' }),
    force: Flags.boolean({
      summary: 'Replace a service of that name that is installed already.',
      default: false,
    }),
    winsw: Flags.string({
      summary: "Windows: WinSW's executable to use (default: the one node-windows ships).",
    }),
  };

  public async run(): Promise<ServicePlan> {
    const { planService, platformOf } = await import('../service/plan-service.js');
    const { runServicePlan } = await import('../service/run-service-plan.js');
    const loaded = await this.loadConfig();
    const platform = platformOf(this.flags.platform);
    const dryRun = this.flags['dry-run'];
    const plan = planService({
      ...baseServiceSettings(this.flags, this.config.root, platform),
      action: 'install',
      description: this.flags.description,
      configFile: path.resolve(loaded.file),
      stopTimeoutSecs: loaded.config.daemon.stop_timeout_secs,
      runAs: this.flags['run-as'],
      force: this.flags.force,
      winsw: this.flags.winsw,
      useNssm: this.flags.nssm,
      dryRun,
    });
    const say = (text: string) => {
      if (!this.jsonEnabled()) process.stdout.write(text);
    };
    if (dryRun) {
      say(formatPlan(plan, true));
      return plan;
    }
    await runServicePlan(plan, { onStep: (step) => say(`  ${step}\n`) });
    say(
      `${plan.name} installed and started (${plan.manager}).\n${plan.notes.map((note) => `  ${note}`).join('\n')}\n`,
    );
    return plan;
  }
}
