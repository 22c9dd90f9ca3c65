import path from 'node:path';
import { BaseCommand } from '../cli/base-command.js';
import { daemonLogFlags } from '../cli/log-flags.js';
import { findRunningDaemon } from '../cli/running-daemon.js';
import { runServiceCommand, serviceCommand, serviceRefusal } from '../cli/service-managed.js';
import { startDetached } from '../cli/start-detached.js';
import { stopDaemon } from '../cli/stop-daemon.js';
import { formatCommand } from '../service/service-plan.js';
import type { DaemonReady } from '../supervisor/run-daemon.js';

export default class Restart extends BaseCommand<typeof Restart> {
  static override summary = 'Stop the daemon, then start it again with the same config and socket.';
  static override description =
    'With no daemon running it just starts one. --config picks another config for the new daemon.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];
  static override flags = { ...daemonLogFlags };

  public async run(): Promise<DaemonReady> {
    const socketPath = await this.socketPath();
    // Only "not running" means not running: a daemon that does not answer is refused, never doubled.
    const running = await findRunningDaemon(socketPath);
    // A daemon a service manager runs is restarted through it, never doubled by one started here.
    if (running?.service) {
      if (
        this.flags.config !== undefined ||
        this.flags['log-level'] !== undefined ||
        this.flags['log-format'] !== undefined
      )
        this.warn(
          '--config, --log-level and --log-format do not reach a daemon a service manager runs: its unit says what it runs with',
        );
      const command = serviceCommand('restart', running.service);
      if (!command) throw serviceRefusal('restart', running.service);
      this.log(
        `sync-daemon runs as the ${running.service.manager} service ${running.service.name}: ${formatCommand(command)}`,
      );
      await runServiceCommand(command);
      const after = await findRunningDaemon(socketPath).catch(() => undefined);
      return {
        pid: after?.pid ?? 0,
        socketPath,
        pidFile: '',
        logFile: after?.logFile?.path ?? '',
        configFile: after?.configFile ?? running.configFile,
      };
    }
    const configFile = this.flags.config === undefined && running ? running.configFile : this.configFile();
    // Checked before stopping: a config that would not start must not cost the running daemon.
    const { loadConfigFile } = await import('../config/load-config.js');
    const { config } = await loadConfigFile(configFile);
    if (running) {
      const stopped = await stopDaemon(running.socketPath);
      this.log(`sync-daemon stopped (pid ${stopped.pid})`);
    }
    const ready = await startDetached({
      entry: path.join(this.config.root, 'runners', 'supervisor.js'),
      configFile,
      socketPath: running?.socketPath ?? this.socketOverride(),
      logLevel: this.flags['log-level'],
      logFormat: this.flags['log-format'],
      logFile: config.daemon.log_file,
    });
    this.log(`sync-daemon started (pid ${ready.pid}) on ${ready.socketPath}`);
    return ready;
  }
}
