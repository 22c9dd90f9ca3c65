import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './bench-daemon.js';

// lsyncd (Debian's package, rsync mode), the contender of the file-watching scenarios (watch-bench.ts).

export function startLsyncd(
  work: string,
  source: string,
  target: string,
  delay: number | undefined,
): { process: ChildProcess; log: string } {
  const log = path.join(work, `lsyncd-${delay ?? 'default'}.log`);
  const config = path.join(work, `lsyncd-${delay ?? 'default'}.lua`);
  fs.writeFileSync(
    config,
    [
      `settings { logfile = ${JSON.stringify(log)}, nodaemon = true }`,
      `sync { default.rsync, source = ${JSON.stringify(source)}, target = ${JSON.stringify(target)},`,
      `  ${delay === undefined ? '' : `delay = ${delay},`} rsync = { archive = true } }`,
    ].join('\n'),
  );
  const child = spawn('lsyncd', [config], { stdio: 'ignore' });
  return { process: child, log };
}

export async function waitForLog(file: string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!pattern.test(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '')) {
    if (Date.now() > deadline) throw new Error(`lsyncd never logged ${pattern}`);
    await sleep(5);
  }
}

/** lsyncd from Debian's package, installed here if missing; false when it cannot be. */
export function hasLsyncd(): boolean {
  try {
    execFileSync('lsyncd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    try {
      process.stderr.write('lsyncd is missing; installing it with apt-get…\n');
      execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq lsyncd'], { stdio: 'inherit' });
      return true;
    } catch {
      return false;
    }
  }
}
