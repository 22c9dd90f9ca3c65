import { Command, Flags, type Interfaces } from '@oclif/core';
import { resolveConfigFile } from '../config/config-file-path.js';
import type { LoadedConfig } from '../config/load-config.js';
import { toCommandFailure, writeFailure } from './command-failure.js';
import { findSocket, namedSocket, SOCKET_ENV } from './find-socket.js';
import { loadCommandConfig, writeWarning } from './load-command-config.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** The one base of every command: global flags, --json, config loading and a single error path. */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Config file (.toml, .yaml or .yml).',
      description:
        'Defaults to $SYNC_DAEMON_CONFIG, then ~/.config/sync-daemon/config.toml (root: /etc/sync-daemon/config.toml).',
      helpGroup: 'GLOBAL',
    }),
    socket: Flags.string({
      summary: 'Control socket of the daemon.',
      description: `Defaults to $${SOCKET_ENV}, then daemon.socket_path of the config, then the per-user default.`,
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
  }

  /** The config named by --config (or the defaults), with its warnings shown. */
  protected async loadConfig(): Promise<LoadedConfig> {
    return loadCommandConfig(this.configFile(), (warning) => this.warn(warning));
  }

  protected configFile(): string {
    return resolveConfigFile(this.flags.config);
  }

  /** A socket named by --socket or the environment, which wins over the config's. */
  protected socketOverride(): string | undefined {
    return namedSocket(this.flags.socket);
  }

  /** Where the daemon of this config answers. */
  protected socketPath(): Promise<string> {
    return findSocket(this.flags);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const failure = toCommandFailure(error);
    process.exitCode = failure.exitCode;
    // Printed here rather than by oclif, whose pretty-printer wraps lines and breaks `file:line:col` apart.
    writeFailure(failure, this.jsonEnabled());
    if (!this.jsonEnabled()) this.exit(failure.exitCode);
    return undefined;
  }

  public override warn(input: string | Error): string | Error {
    writeWarning(input instanceof Error ? input.message : input);
    return input;
  }
}
