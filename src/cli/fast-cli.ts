import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolveConfigFile } from '../config/config-file-path.js';
import { toCommandFailure, writeFailure } from './command-failure.js';
import { parseFastFlags } from './fast-flags.js';
import { fastStatus } from './fast-status.js';
import { findSocket } from './find-socket.js';
import { loadCommandConfig, writeWarning } from './load-command-config.js';
import { syncJob } from './sync-job.js';

/**
 * The hot commands answered without oclif, whose loading costs ~200 ms of every start: `--version`, `status`
 * (what monitors poll) and `sync` (what scripts and cron call). Each runs the same code as its oclif command;
 * only the command line is parsed here, and anything but the plain spellings (help, a bad flag) returns false,
 * so oclif answers it in its own words. Returns true once the command has run, whatever its outcome.
 * bin/run.js lists the same command names, so that other commands do not load this module.
 */
export async function runFastPath(argv: readonly string[]): Promise<boolean> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
      return writeVersion();
    case 'status':
      return fastStatus(rest);
    case 'sync':
      return fastSync(rest);
    default:
      return false;
  }
}

// oclif's `--version` line (its config.userAgent); WSL, which oclif names "wsl", is left to oclif.
function writeVersion(): boolean {
  if (process.platform === 'linux' && isWsl()) return false;
  const { name, version } = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as {
    name: string;
    version: string;
  };
  const arch = os.arch() === 'ia32' ? 'x86' : os.arch();
  process.stdout.write(`${name}/${version} ${process.platform}-${arch} node-${process.version}\n`);
  return true;
}

function isWsl(): boolean {
  if (os.release().toLowerCase().includes('microsoft')) return true;
  try {
    return readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft');
  } catch {
    return false;
  }
}

async function fastSync(argv: readonly string[]): Promise<boolean> {
  const parsed = parseFastFlags(argv, {
    booleans: { '--json': 'json', '--wait': 'wait', '-w': 'wait', '--dry-run': 'dryRun', '-n': 'dryRun' },
    values: { '--socket': 'socket', '--config': 'config', '-c': 'config' },
    positionals: 1,
  });
  if (!parsed) return false;
  const { json, wait, dryRun, socket, config } = parsed.flags;
  const jsonEnabled = json === true;
  const stringOf = (value: string | true | undefined) => (typeof value === 'string' ? value : undefined);
  try {
    const result = await syncJob({
      job: parsed.positionals[0] as string,
      dryRun: dryRun === true,
      wait: wait === true,
      json: jsonEnabled,
      socketPath: () => findSocket({ socket: stringOf(socket), config: stringOf(config) }),
      loadConfig: () => loadCommandConfig(resolveConfigFile(stringOf(config)), writeWarning),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    if (jsonEnabled) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    const failure = toCommandFailure(error);
    process.exitCode = failure.exitCode;
    writeFailure(failure, jsonEnabled);
  }
  return true;
}
