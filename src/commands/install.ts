import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { findRunningDaemon } from '../cli/running-daemon.js';
import { baseServiceSettings, formatPlan, serviceFlags } from '../cli/service-flags.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { DaemonStatus } from '../control/daemon-api.js';
import { ServiceError } from '../service/service-error.js';
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
    await refuseEnvironmentPassword(loaded);
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
    if (dryRun) {
      this.log(formatPlan(plan, true).trimEnd());
      return plan;
    }
    // One daemon per socket: a daemon started by hand there would make the service fail at every start.
    const socketPath = await this.socketPath();
    const running = await findRunningDaemon(socketPath).catch(() => undefined);
    if (running && running.service?.name !== plan.name)
      throw new ServiceError(
        'SERVICE_EXISTS',
        `a daemon already runs on ${socketPath} (pid ${running.pid}), outside any service`,
        ['stop it first: sync-daemon stop'],
      );
    await runServicePlan(plan, { onStep: (step) => this.log(`  ${step}`) });
    // Started is not running: the daemon must answer where the CLI looks.
    const answered = await waitForDaemon(socketPath, 15_000);
    if (!answered)
      throw new ServiceError(
        'SERVICE_COMMAND_FAILED',
        `${plan.name} is installed, but no daemon answers on ${socketPath} after 15 s`,
        [...plan.notes.filter((note) => note.startsWith('status:') || note.startsWith('logs:'))],
      );
    this.log(`${plan.name} installed and started (${plan.manager}, pid ${answered.pid}).`);
    for (const note of plan.notes) this.log(`  ${note}`);
    return plan;
  }
}

/**
 * A PocketBase password that only this shell's environment holds: the service will not have it, and its daemon
 * would fail at every start. Refused, rather than copied into a file the user did not ask for.
 */
async function refuseEnvironmentPassword(loaded: LoadedConfig): Promise<void> {
  if (!loaded.config.pocketbase || !process.env.SYNC_DAEMON_POCKETBASE_PASSWORD) return;
  const fs = await import('node:fs/promises');
  if (/^\s*admin_password\s*[=:]/m.test(await fs.readFile(loaded.file, 'utf8'))) return;
  throw new ServiceError(
    'SERVICE_USAGE',
    `${loaded.file} takes its PocketBase password from $SYNC_DAEMON_POCKETBASE_PASSWORD here, which the service would not have`,
    [`put admin_password under [pocketbase] in ${loaded.file}, and chmod 600 it`],
  );
}

/** The daemon's status once it answers on `socketPath`, or undefined after `timeoutMs`. */
async function waitForDaemon(socketPath: string, timeoutMs: number): Promise<DaemonStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await findRunningDaemon(socketPath, { timeoutMs: 2000 }).catch(() => undefined);
    if (status || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
