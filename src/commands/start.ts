import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { toCommandFailure } from '../cli/command-failure.js';
import { DaemonCommandError } from '../cli/daemon-command-error.js';
import { daemonLogFlags } from '../cli/log-flags.js';
import { findRunningDaemon } from '../cli/running-daemon.js';
import { startDetached } from '../cli/start-detached.js';
import { takeStartReporter } from '../cli/start-report.js';
import { type DaemonReady, runDaemon } from '../supervisor/run-daemon.js';

export default class Start extends BaseCommand<typeof Start> {
  static override summary = 'Start the daemon: one supervised runner per enabled sync job.';
  static override description =
    'Without --foreground the daemon detaches and this command returns once it answers on its socket, or fails ' +
    'with the daemon’s own error; it then writes its records to daemon.log_file (see `sync-daemon logs`). With ' +
    '--foreground it runs here, its records also on stdout (readable on a terminal, JSON lines otherwise), until SIGTERM or ' +
    'Ctrl-C (a graceful stop); SIGHUP reloads the config.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --foreground --config examples/config.toml',
  ];

  static override flags = {
    ...daemonLogFlags,
    'pocketbase-url': Flags.string({ summary: 'PocketBase URL, overriding pocketbase.url of the config.' }),
    foreground: Flags.boolean({
      char: 'f',
      summary: 'Run in this process instead of detaching.',
      default: false,
    }),
  };

  public async run(): Promise<DaemonReady | { stopped: true }> {
    if (this.flags.foreground) return this.runHere();
    const { config } = await this.loadConfig();
    const socketPath = this.socketOverride() ?? config.daemon.socket_path;
    // A daemon that does not answer is refused here too, rather than left to the new daemon's bind.
    const running = await findRunningDaemon(socketPath, { timeoutMs: 5000 });
    if (running) {
      throw new DaemonCommandError(
        'ALREADY_RUNNING',
        `sync-daemon is already running on ${socketPath} (pid ${running.pid})`,
      );
    }
    const ready = await startDetached({
      entry: path.join(this.config.root, 'runners', 'supervisor.js'),
      configFile: this.configFile(),
      socketPath: this.socketOverride(),
      logLevel: this.flags['log-level'],
      logFormat: this.flags['log-format'],
      pocketbaseUrl: this.flags['pocketbase-url'],
      logFile: config.daemon.log_file,
    });
    this.log(`sync-daemon started (pid ${ready.pid})`);
    this.log(`  socket  ${ready.socketPath}`);
    this.log(`  config  ${ready.configFile}`);
    this.log(`  log     ${ready.logFile}`);
    return ready;
  }

  private async runHere(): Promise<{ stopped: true }> {
    const report = takeStartReporter();
    try {
      await runDaemon({
        configFile: this.configFile(),
        socketPath: this.socketOverride(),
        logLevel: this.flags['log-level'],
        logFormat: this.flags['log-format'],
        pocketbaseUrl: this.flags['pocketbase-url'],
        version: this.config.version,
        onReady: (ready) => report?.({ type: 'started', ready }),
      });
    } catch (error) {
      report?.({ type: 'failed', failure: toCommandFailure(error) });
      throw error;
    }
    return { stopped: true };
  }
}
