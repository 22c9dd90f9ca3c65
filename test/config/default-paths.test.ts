import { expect } from 'chai';
import { getDefaultPaths } from '../../src/config/default-paths.js';
import { isNamedPipe } from '../../src/control/stale-socket.js';

describe('getDefaultPaths', () => {
  it('gives root the system-wide paths of the seed README', () => {
    expect(getDefaultPaths({}, 0)).to.deep.equal({
      configFile: '/etc/sync-daemon/config.toml',
      stateDir: '/var/lib/sync-daemon',
      logFile: '/var/log/sync-daemon.log',
      pidFile: '/var/run/sync-daemon.pid',
      cacheDir: '/var/cache/sync-daemon',
      socketFile: '/run/sync-daemon/daemon.sock',
    });
  });

  it('gives a user XDG folders under $HOME, needing no setup', () => {
    expect(getDefaultPaths({ HOME: '/home/ada' }, 1000)).to.deep.equal({
      configFile: '/home/ada/.config/sync-daemon/config.toml',
      stateDir: '/home/ada/.local/state/sync-daemon',
      logFile: '/home/ada/.local/state/sync-daemon/sync-daemon.log',
      pidFile: '/home/ada/.local/state/sync-daemon/sync-daemon.pid',
      cacheDir: '/home/ada/.cache/sync-daemon',
      socketFile: '/home/ada/.local/state/sync-daemon/daemon.sock',
    });
  });

  it('gives Windows one named pipe for the machine (a service runs as LocalSystem, its admin as themself)', () => {
    const paths = getDefaultPaths({ HOME: 'C:\\Users\\ada', USERNAME: 'ada' }, undefined, 'win32');
    expect(paths.socketFile).to.equal('\\\\.\\pipe\\sync-daemon');
    expect(isNamedPipe(paths.socketFile)).to.equal(true);
    expect(isNamedPipe('/run/sync-daemon/daemon.sock')).to.equal(false);
  });

  it('puts the socket under $XDG_RUNTIME_DIR when there is one', () => {
    const paths = getDefaultPaths({ HOME: '/home/ada', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000);
    expect(paths.socketFile).to.equal('/run/user/1000/sync-daemon/daemon.sock');
  });

  it('follows $XDG_*_HOME and ignores relative values, as the XDG spec says', () => {
    const paths = getDefaultPaths(
      { HOME: '/home/ada', XDG_CONFIG_HOME: '/cfg', XDG_STATE_HOME: '/state', XDG_CACHE_HOME: 'relative' },
      1000,
    );
    expect(paths.configFile).to.equal('/cfg/sync-daemon/config.toml');
    expect(paths.pidFile).to.equal('/state/sync-daemon/sync-daemon.pid');
    expect(paths.cacheDir).to.equal('/home/ada/.cache/sync-daemon');
  });

  it('under a unit `install` wrote, takes the folders systemd made for it (the socket where the CLI looks)', () => {
    const unit = {
      SYNC_DAEMON_SERVICE: 'systemd:system:sync-daemon',
      STATE_DIRECTORY: '/var/lib/sync-daemon',
      LOGS_DIRECTORY: '/var/log/sync-daemon',
      RUNTIME_DIRECTORY: '/run/sync-daemon',
      CACHE_DIRECTORY: '/var/cache/sync-daemon',
      HOME: '/nonexistent',
    };
    const paths = getDefaultPaths(unit, 998);
    expect(paths).to.deep.include({
      stateDir: '/var/lib/sync-daemon',
      logFile: '/var/log/sync-daemon/sync-daemon.log',
      pidFile: '/var/lib/sync-daemon/sync-daemon.pid',
      cacheDir: '/var/cache/sync-daemon',
      socketFile: '/run/sync-daemon/daemon.sock',
    });
    expect(paths.socketFile).to.equal(getDefaultPaths({}, 0).socketFile);
    // Run as root, its pid file is where root's CLI looks (stop --force).
    expect(getDefaultPaths(unit, 0).pidFile).to.equal(getDefaultPaths({}, 0).pidFile);
    // Someone else's unit with those variables: the usual paths.
    const { SYNC_DAEMON_SERVICE: _, ...foreign } = unit;
    expect(getDefaultPaths(foreign, 0).stateDir).to.equal('/var/lib/sync-daemon');
    expect(getDefaultPaths(foreign, 0).logFile).to.equal('/var/log/sync-daemon.log');
  });
});
