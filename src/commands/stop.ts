import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { findRunningDaemon } from '../cli/running-daemon.js';
import { runServiceCommand, serviceCommand, serviceRefusal } from '../cli/service-managed.js';
import { type StopOutcome, stopDaemon } from '../cli/stop-daemon.js';
import { readDaemonLocation } from '../config/read-socket-path.js';
import { formatCommand } from '../service/service-plan.js';

export default class Stop extends BaseCommand<typeof Stop> {
  static override summary = 'Stop the daemon gracefully; returns once its process is gone.';
  static override description =
    'Running syncs stop at a safe point (no half-written file), then every runner and the daemon exit. ' +
    'With --force, a daemon that does not answer on its socket (hung, or its socket file removed) is found by ' +
    'daemon.pid_file, checked to be that daemon, sent SIGTERM and, if it has not stopped in time, SIGKILL with ' +
    'its runners; the socket and pid file it leaves are removed. Exits 3 when no daemon is running.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --force',
  ];

  static override flags = {
    force: Flags.boolean({
      summary:
        'Kill the daemon and its runners if they have not stopped within the stop timeout, or if the daemon does not answer.',
      default: false,
    }),
  };

  public async run(): Promise<StopOutcome> {
    const socketPath = await this.socketPath();
    const say = (line: string) => {
      if (!this.jsonEnabled()) process.stderr.write(`${line}\n`);
    };
    // A daemon a service manager runs is stopped through it: it would start it again otherwise.
    const service = (await findRunningDaemon(socketPath).catch(() => undefined))?.service;
    if (service) {
      const command = serviceCommand('stop', service);
      if (!command) throw serviceRefusal('stop', service);
      say(`sync-daemon runs as the ${service.manager} service ${service.name}: ${formatCommand(command)}`);
      await runServiceCommand(command);
      this.log(`sync-daemon stopped through ${service.manager}`);
      return { pid: 0, killed: false };
    }
    say(`Stopping sync-daemon on ${socketPath}…`);
    const outcome = await stopDaemon(socketPath, {
      force: this.flags.force,
      pidFileSettings: () => readDaemonLocation(this.configFile()),
      onAction: say,
    });
    this.log(`sync-daemon ${outcome.killed ? 'killed' : 'stopped'} (pid ${outcome.pid})`);
    return outcome;
  }
}
