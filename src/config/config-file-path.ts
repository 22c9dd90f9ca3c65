import path from 'node:path';
import { getDefaultPaths } from './default-paths.js';

export const CONFIG_ENV = 'SYNC_DAEMON_CONFIG';

/** The file to use: the one asked for, else $SYNC_DAEMON_CONFIG, else the per-user (or root) default. */
export function resolveConfigFile(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(explicit ?? (env[CONFIG_ENV] || getDefaultPaths(env).configFile));
}
