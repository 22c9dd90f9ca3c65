import fs from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UsageError } from '../../cli/usage-error.js';
import { resolveConfigFile } from '../../config/config-file-path.js';
import { getDefaultPaths } from '../../config/default-paths.js';
import { renderDefaultConfig } from '../../config/render-default-config.js';
import { writeFileAtomic } from '../../util/write-file-atomic.js';

export interface ConfigGenerateResult {
  file: string | null;
  content: string;
}

export default class ConfigGenerate extends BaseCommand<typeof ConfigGenerate> {
  static override summary = 'Write a commented config file with every key and its default.';
  static override description =
    'Without --output, writes to the file --config names, else to the default config path. Use --output - to print it instead.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --output sync-daemon.toml',
    '<%= config.bin %> <%= command.id %> --output - > my-config.toml',
  ];

  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Where to write the config; "-" prints it.' }),
    force: Flags.boolean({ char: 'f', summary: 'Overwrite the file if it exists.', default: false }),
  };

  public async run(): Promise<ConfigGenerateResult> {
    const content = renderDefaultConfig(getDefaultPaths());
    if (this.flags.output === '-') {
      if (!this.jsonEnabled()) process.stdout.write(content);
      return { file: null, content };
    }
    const file = path.resolve(this.flags.output ?? resolveConfigFile(this.flags.config));
    if (!this.flags.force && (await exists(file))) {
      throw new UsageError(`${file} already exists; not overwriting it`, [
        'add --force to replace it',
        'or choose another file with --output',
      ]);
    }
    await writeFileAtomic(file, content).catch((error: unknown) => {
      throw new Error(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
    });
    this.log(
      `Wrote ${file}. Edit its paths and set enabled = true, then: sync-daemon config validate --config ${file}`,
    );
    return { file, content };
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}
