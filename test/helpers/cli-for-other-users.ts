import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A test that runs the CLI as another user must let that user reach it, wherever the checkout lies: a clone
 * under /root (mode 0700) cannot be entered by anyone else. Once per test run, what an installed package
 * holds (package.json, its `files`, its production dependencies: ~3,000 entries, 24 MB) is put in a
 * world-readable temp folder: hard links when it is on the same filesystem (~0.5 s measured), else a copy
 * (~0.5 s to a tmpfs). `removeCliForOtherUsers` (a root hook in test/setup.ts) deletes it after the suite.
 */
let copyRoot: string | undefined;

/** The root of a copy of the built CLI that every user can read and run, made on first use. */
export function cliRootForOtherUsers(projectRoot: string): string {
  copyRoot ??= copyInstalledPackage(projectRoot);
  return copyRoot;
}

export function removeCliForOtherUsers(): void {
  if (copyRoot !== undefined) fs.rmSync(copyRoot, { recursive: true, force: true });
  copyRoot = undefined;
}

function copyInstalledPackage(projectRoot: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-daemon-cli-'));
  fs.chmodSync(root, 0o755);
  const entries = [...shippedEntries(projectRoot), ...productionPackages(projectRoot)];
  try {
    copyEntries(projectRoot, root, entries, '-al');
    // Hard links share the originals' modes: files its owner alone may read (a clone made with umask 077)
    // need copies that can be opened up without touching the checkout.
    if (hasPrivateEntries(root)) throw new Error('the checkout has files only their owner may read');
  } catch {
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { mode: 0o755 });
    copyEntries(projectRoot, root, entries, '-a');
    execFileSync('chmod', ['-R', 'a+rX', root]);
  }
  return root;
}

/** What `npm pack` would ship: package.json and the paths its `files` names (those that exist). */
function shippedEntries(projectRoot: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    files?: string[];
  };
  const files = (manifest.files ?? []).filter((entry) => fs.existsSync(path.join(projectRoot, entry)));
  return ['package.json', ...files];
}

/**
 * The top-level packages that `npm install --omit=dev` would keep, from npm's hidden lockfile (nested ones
 * come with their parent); all of node_modules when there is none (another package manager).
 */
function productionPackages(projectRoot: string): string[] {
  const lockfile = path.join(projectRoot, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(lockfile)) return ['node_modules'];
  const { packages } = JSON.parse(fs.readFileSync(lockfile, 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(packages)
    .filter(([key, entry]) => entry.dev !== true && key.lastIndexOf('node_modules/') === 0)
    .map(([key]) => key)
    .filter((key) => fs.existsSync(path.join(projectRoot, key)));
}

function copyEntries(from: string, to: string, entries: string[], flags: '-al' | '-a'): void {
  execFileSync('cp', [flags, '--parents', ...entries, to], {
    cwd: from,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** Whether some file or folder of the copy cannot be read by other users. */
function hasPrivateEntries(root: string): boolean {
  const unreadable = ['(', '-type', 'd', '!', '-perm', '-o=rx', ')', '-o', '(', '!', '-perm', '-o=r', ')'];
  return (
    execFileSync('find', [root, '(', ...unreadable, ')', '-print', '-quit'], { encoding: 'utf8' }) !== ''
  );
}
