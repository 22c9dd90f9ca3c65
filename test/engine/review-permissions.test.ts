import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { SyncRequest, SyncResult } from '../../src/engine/types.js';
import { cliRootForOtherUsers } from '../helpers/cli-for-other-users.js';
import { AS_NOBODY, PROJECT_ROOT } from '../helpers/run-cli.js';
import { listTree, makeSyncRequest } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// The user AS_NOBODY switches to: as root, permission bits never stop a write, so these tests run as nobody.
const NOBODY_ID = 65534;
// Runs one sync of the built engine and prints its result: what the unprivileged user runs.
const RUN_ENGINE = `const { runSync } = await import(process.argv[1]);
process.stdout.write(JSON.stringify(await runSync(JSON.parse(process.argv[2]))));`;

/**
 * Runs one sync in a process of the unprivileged user, with the built engine (`npm run build` first) from the
 * copy of the package that every user can reach, wherever the checkout lies.
 */
async function syncAsNobody(request: SyncRequest): Promise<SyncResult> {
  const engine = path.join(cliRootForOtherUsers(PROJECT_ROOT), 'dist', 'engine', 'run-sync.js');
  const command = [...AS_NOBODY, process.execPath, '--input-type=module', '-e', RUN_ENGINE];
  const [file, ...args] = command as [string, ...string[]];
  const { stdout } = await promisify(execFile)(file, [...args, engine, JSON.stringify(request)], {
    cwd: '/',
    timeout: 15_000,
  });
  return JSON.parse(stdout) as SyncResult;
}

function chownTree(root: string): void {
  if (process.getuid?.() !== 0) return;
  fs.chownSync(root, NOBODY_ID, NOBODY_ID);
  for (const name of fs.readdirSync(root, { recursive: true }) as string[]) {
    fs.lchownSync(path.join(root, name), NOBODY_ID, NOBODY_ID);
  }
}

// Review of issue 8, items 4 and 5: a mirror folder that cannot be entered, as an unprivileged user.
describe('engine review: destination folders the owner cannot enter (as an unprivileged user)', function () {
  this.slow(8000);
  let source: string;
  let destination: string;
  beforeEach(async () => {
    let dir: string;
    ({ dir, source, destination } = await makeSyncTrees(['source', 'destination']));
    fs.chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    for (const root of [source, destination]) {
      const folder = path.join(root, 'closed');
      if (fs.existsSync(folder)) fs.chmodSync(folder, 0o755);
    }
    await removeTempDirs();
  });

  it('reports a mirror folder of mode 0644 with content once, then the next run syncs and deletes in it', async () => {
    await writeTree(source, { 'closed/a.txt': 'new', 'b.txt': 'b' });
    await writeTree(destination, { 'closed/a.txt': 'old', 'closed/x.txt': 'extraneous' });
    chownTree(source);
    chownTree(destination);
    fs.chmodSync(path.join(destination, 'closed'), 0o644);

    const first = await syncAsNobody(makeSyncRequest(source, destination, { deleteExtraneous: true }));
    // Listed before any write: the folder's error, with its path, and nothing deleted; it gets the source's mode.
    expect(first.errors.map(({ path, code }) => ({ path, code }))).to.deep.equal([
      { path: 'closed', code: 'EACCES' },
    ]);
    expect(listTree(destination)).to.include('closed/x.txt');
    const result = await syncAsNobody(makeSyncRequest(source, destination, { deleteExtraneous: true }));

    expect(result.errors).to.deep.equal([]);
    expect(result.outcome).to.equal('ok');
    expect(fs.readFileSync(path.join(destination, 'closed', 'a.txt'), 'utf8')).to.equal('new');
    expect(listTree(destination)).to.deep.equal(['b.txt', 'closed/', 'closed/a.txt']);
    expect(fs.statSync(path.join(destination, 'closed')).mode & 0o777).to.equal(0o755);
  });
});
