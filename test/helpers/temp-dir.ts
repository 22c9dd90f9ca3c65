import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A fresh folder per test, removed by `removeTempDirs` in afterEach (STYLE.md rule 23). */
const created: string[] = [];

export async function makeTempDir(prefix = 'sync-daemon-test-'): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
}

/** Writes files given as { 'relative/path': 'content' }, creating folders on the way. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
}

export interface SyncTrees {
  dir: string;
  source: string;
  destination: string;
}

/** A fresh temp folder holding the paths `source` and `destination`; those named in `create` are made. */
export async function makeSyncTrees(create: readonly ('source' | 'destination')[] = []): Promise<SyncTrees> {
  const dir = await makeTempDir();
  const trees = { dir, source: path.join(dir, 'source'), destination: path.join(dir, 'destination') };
  for (const side of create) await fs.mkdir(trees[side]);
  return trees;
}
