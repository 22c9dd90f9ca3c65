import fs from 'node:fs';
import path from 'node:path';
import treeKill from 'tree-kill';

let psAvailable: boolean | undefined;

/**
 * SIGKILL to a process and all its descendants (tree-kill). On Linux and macOS tree-kill asks `ps` for the tree
 * and crashes the caller when `ps` is missing (a minimal image); there only the process itself is killed.
 */
export function killTree(pid: number): void {
  if (process.platform !== 'win32' && !hasPs()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
    return;
  }
  treeKill(pid, 'SIGKILL', () => undefined);
}

function hasPs(): boolean {
  psAvailable ??= (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((folder) => folder !== '' && fs.existsSync(path.join(folder, 'ps')));
  return psAvailable;
}
