import { stringify as stringifyToml } from 'smol-toml';
import type { Config } from './schema.js';

export const CONFIG_OUTPUT_FORMATS = ['toml', 'yaml', 'json'] as const;
export type ConfigOutputFormat = (typeof CONFIG_OUTPUT_FORMATS)[number];

const REDACTED = '<redacted>';

/** The config as it is safe to print or send: the PocketBase password replaced. */
export function redactConfig(config: Config): Config {
  if (!config.pocketbase?.admin_password) return config;
  return { ...config, pocketbase: { ...config.pocketbase, admin_password: REDACTED } };
}

export async function renderConfig(config: Config, format: ConfigOutputFormat): Promise<string> {
  switch (format) {
    case 'toml':
      return stringifyToml(config);
    case 'yaml':
      return (await import('yaml')).stringify(config);
    case 'json':
      return `${JSON.stringify(config, null, 2)}\n`;
    default:
      throw new Error(`unknown config format ${String(format satisfies never)}`);
  }
}
