import type { LoadedConfig } from '../config/load-config.js';

/** The config named by --config (or the defaults), with its warnings shown. */
export async function loadCommandConfig(
  file: string,
  warn: (message: string) => void,
): Promise<LoadedConfig> {
  // Loaded on demand: commands that only talk to the daemon never pay for the validator.
  const { loadConfigFile } = await import('../config/load-config.js');
  const loaded = await loadConfigFile(file);
  for (const warning of loaded.warnings) warn(warning);
  return loaded;
}

/** A warning as every command prints it (oclif's own would wrap and colour it). */
export function writeWarning(message: string): void {
  process.stderr.write(`Warning: ${message}\n`);
}
