import type { LoadedConfig } from '../config/load-config.js';
import type { LogLevel } from '../config/log-levels.js';

/** The config named by --config (or the defaults), with --log-level applied and its warnings shown. */
export async function loadCommandConfig(
  file: string,
  logLevel: LogLevel | undefined,
  warn: (message: string) => void,
): Promise<LoadedConfig> {
  // Loaded on demand: commands that only talk to the daemon never pay for the validator.
  const { loadConfigFile } = await import('../config/load-config.js');
  const loaded = await loadConfigFile(file);
  if (logLevel)
    loaded.config = { ...loaded.config, daemon: { ...loaded.config.daemon, log_level: logLevel } };
  for (const warning of loaded.warnings) warn(warning);
  return loaded;
}

/** A warning as every command prints it (oclif's own would wrap and colour it). */
export function writeWarning(message: string): void {
  process.stderr.write(`Warning: ${message}\n`);
}
