import path from 'node:path';

export type ConfigFormat = 'toml' | 'yaml';

const FORMAT_BY_EXTENSION: Record<string, ConfigFormat> = {
  '.toml': 'toml',
  '.yaml': 'yaml',
  '.yml': 'yaml',
};

/** The format is chosen by extension so that an editor, a linter and the daemon agree on what a file is. */
export function detectConfigFormat(file: string): ConfigFormat | undefined {
  return FORMAT_BY_EXTENSION[path.extname(file).toLowerCase()];
}
