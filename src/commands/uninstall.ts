import { BaseCommand } from '../cli/base-command.js';
import { baseServiceSettings, formatPlan, serviceFlags } from '../cli/service-flags.js';
import type { ServicePlan } from '../service/service-plan.js';

export default class Uninstall extends BaseCommand<typeof Uninstall> {
  static override summary = 'Stop and remove the service `install` made.';
  static override description =
    'Stops the service, keeps it from starting at boot, and removes its file (the unit, the plist, the WinSW ' +
    "files); its logs and the daemon's own files stay. --user for a service installed with --user.";
  static override examples = [
    'sudo <%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --user --service-name my-sync',
    '<%= config.bin %> <%= command.id %> --dry-run',
  ];
  static override flags = { ...serviceFlags };

  public async run(): Promise<ServicePlan> {
    const { planService, platformOf } = await import('../service/plan-service.js');
    const { runServicePlan } = await import('../service/run-service-plan.js');
    const platform = platformOf(this.flags.platform);
    const dryRun = this.flags['dry-run'];
    const plan = planService({
      ...baseServiceSettings(this.flags, this.config.root, platform),
      action: 'uninstall',
      description: '',
      configFile: '',
      stopTimeoutSecs: 0,
      force: false,
      useNssm: this.flags.nssm,
      dryRun,
    });
    if (dryRun) {
      this.log(formatPlan(plan, true).trimEnd());
      return plan;
    }
    await runServicePlan(plan, { onStep: (step) => this.log(`  ${step}`) });
    this.log(`${plan.name} stopped and removed (${plan.manager}).`);
    return plan;
  }
}
