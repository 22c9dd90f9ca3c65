import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { CONFIG_OUTPUT_FORMATS, redactConfig, renderConfig } from '../../config/render-config.js';
import type { Config } from '../../config/schema.js';

export interface ConfigShowResult {
  file: string;
  config: Config;
}

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static override summary =
    'Print the effective config: defaults filled in, paths resolved, password hidden.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --format yaml --config examples/config.toml',
  ];

  static override flags = {
    format: Flags.option({ options: CONFIG_OUTPUT_FORMATS, default: 'toml', summary: 'Output format.' })(),
  };

  public async run(): Promise<ConfigShowResult> {
    const { config, file } = await this.loadConfig();
    const redacted = redactConfig(config);
    if (!this.jsonEnabled()) process.stdout.write(await renderConfig(redacted, this.flags.format));
    return { file, config: redacted };
  }
}
