import path from 'node:path';
import type { ServiceHost, ServiceRequest } from '../../src/service/plan-service.js';

/**
 * An install request as the commands make one, for a system service on Linux: this Node.js and this checkout's
 * CLI (files that exist, as `systemd-analyze verify` wants), overridden field by field.
 */
export function serviceRequest(overrides: Partial<ServiceRequest> = {}): ServiceRequest {
  return {
    action: 'install',
    platform: 'linux',
    name: 'sync-daemon',
    description: 'File Sync Daemon',
    scope: 'system',
    node: process.execPath,
    cli: path.resolve('bin/run.js'),
    configFile: '/etc/sync-daemon/config.toml',
    stopTimeoutSecs: 10,
    userName: 'alice',
    home: '/home/alice',
    uid: 0,
    programData: 'C:\\ProgramData',
    force: false,
    dryRun: false,
    useNssm: false,
    ...overrides,
  };
}

/** A machine where systemd runs, `exists` says which files are there, and each is one `install` wrote. */
export function fakeServiceHost(
  exists: (file: string) => boolean = () => false,
  overrides: Partial<ServiceHost> = {},
): ServiceHost {
  return {
    systemdRunning: () => true,
    exists,
    which: () => undefined,
    bundledWinsw: () => undefined,
    read: () => '# written by `sync-daemon install`',
    registered: () => false,
    ...overrides,
  };
}
