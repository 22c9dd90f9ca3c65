import os from 'node:os';
import path from 'node:path';

/** Where sync-daemon keeps its files when the config does not say, following the XDG base directories. */
export interface DefaultPaths {
  configFile: string;
  stateDir: string;
  logFile: string;
  pidFile: string;
  cacheDir: string;
  /** The control socket the CLI finds the daemon by (DESIGN.md, "Finding the daemon"). */
  socketFile: string;
}

/** Root gets the system-wide locations of the seed README; any other user gets XDG folders under $HOME. */
export function getDefaultPaths(
  env: NodeJS.ProcessEnv = process.env,
  uid = process.getuid?.(),
  platform: NodeJS.Platform = process.platform,
): DefaultPaths {
  const unit = systemdUnitPaths(env, uid);
  if (unit) return unit;
  if (uid === 0 && platform !== 'win32') {
    return {
      configFile: '/etc/sync-daemon/config.toml',
      stateDir: '/var/lib/sync-daemon',
      logFile: '/var/log/sync-daemon.log',
      pidFile: '/var/run/sync-daemon.pid',
      cacheDir: '/var/cache/sync-daemon',
      // macOS has no /run (and a read-only /): its runtime folder is /var/run.
      socketFile: platform === 'darwin' ? '/var/run/sync-daemon/daemon.sock' : '/run/sync-daemon/daemon.sock',
    };
  }
  const home = env.HOME || os.homedir();
  const configHome = readAbsoluteDir(env.XDG_CONFIG_HOME) ?? path.join(home, '.config');
  const stateHome = readAbsoluteDir(env.XDG_STATE_HOME) ?? path.join(home, '.local', 'state');
  const cacheHome = readAbsoluteDir(env.XDG_CACHE_HOME) ?? path.join(home, '.cache');
  const stateDir = path.join(stateHome, 'sync-daemon');
  const runtimeDir = readAbsoluteDir(env.XDG_RUNTIME_DIR);
  return {
    configFile: path.join(configHome, 'sync-daemon', 'config.toml'),
    stateDir,
    logFile: path.join(stateDir, 'sync-daemon.log'),
    pidFile: path.join(stateDir, 'sync-daemon.pid'),
    cacheDir: path.join(cacheHome, 'sync-daemon'),
    // Windows has no Unix sockets in every version: a named pipe stands in (DESIGN.md), one for the machine, as
    // root's socket is, so that an administrator's CLI finds the daemon a service runs as LocalSystem.
    socketFile:
      platform === 'win32'
        ? '\\\\.\\pipe\\sync-daemon'
        : path.join(runtimeDir ? path.join(runtimeDir, 'sync-daemon') : stateDir, 'daemon.sock'),
  };
}

// The XDG spec says relative values are invalid and must be ignored.
function readAbsoluteDir(value: string | undefined): string | undefined {
  return value && path.isAbsolute(value) ? value : undefined;
}

/**
 * Under a unit `sync-daemon install` wrote (SYNC_DAEMON_SERVICE=systemd:…), the folders systemd made for it,
 * owned by the service's user (with --run-as, one that has no home of its own): its state and runtime folders are
 * named sync-daemon whatever the service's name (so the socket and the destination locks are where the CLI and
 * every other daemon look), its log and cache folders after the service.
 */
function systemdUnitPaths(env: NodeJS.ProcessEnv, uid: number | undefined): DefaultPaths | undefined {
  const [state, logs, runtime, cache] = [
    env.STATE_DIRECTORY,
    env.LOGS_DIRECTORY,
    env.RUNTIME_DIRECTORY,
    env.CACHE_DIRECTORY,
  ].map((value) => readAbsoluteDir(value?.split(':')[0]));
  if (!env.SYNC_DAEMON_SERVICE?.startsWith('systemd:') || !state || !logs || !runtime || !cache)
    return undefined;
  const home = env.HOME || os.homedir();
  return {
    configFile: path.join(
      readAbsoluteDir(env.XDG_CONFIG_HOME) ?? path.join(home, '.config'),
      'sync-daemon',
      'config.toml',
    ),
    stateDir: state,
    logFile: path.join(logs, 'sync-daemon.log'),
    // Where `stop --force` looks for it: root's pid file, or (a user unit, or --run-as) the state folder's.
    pidFile: uid === 0 ? '/var/run/sync-daemon.pid' : path.join(state, 'sync-daemon.pid'),
    cacheDir: cache,
    socketFile: path.join(runtime, 'daemon.sock'),
  };
}
