import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { expectSameTree, runCliWithin, snapshotTree, waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

// The gate that mid-run tests rely on must really hold a run mid-way, whatever the disk's speed.
describe('the test gate (SYNC_DAEMON_TEST_GATE)', function () {
  this.slow(4000);
  afterEach(removeTempDirs);

  it('holds a one-shot run after the given number of files until it is opened', async () => {
    const dir = await makeTempDir();
    const source = path.join(dir, 'source');
    const mirror = path.join(dir, 'mirror');
    const gate = path.join(dir, 'gate');
    fs.mkdirSync(gate);
    const files = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`f${i}/file.txt`, `content ${i}`]),
    );
    await writeTree(source, files);
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(
      config,
      `[daemon]\nsocket_path = "run/daemon.sock"\n[[sync_jobs]]\nid = "docs"\nsource_path = "source"\ndestination_path = "mirror"\n`,
    );

    const run = runCliWithin(['sync', 'docs', '--config', config], {
      env: { SYNC_DAEMON_TEST_GATE: gate, SYNC_DAEMON_TEST_GATE_AFTER: '3' },
    });
    await waitFor(() => fs.existsSync(path.join(gate, 'reached')), { what: 'the run to reach the gate' });
    const held = Object.values(snapshotTree(mirror)).filter((entry) => entry.kind === 'file').length;
    expect(held, 'files mirrored while the run is held').to.be.within(1, 39);
    expect(Number(fs.readFileSync(path.join(gate, 'reached'), 'utf8'))).to.be.above(0);

    fs.writeFileSync(path.join(gate, 'open'), '');
    const result = await run;

    expect(result.exitCode, result.stderr).to.equal(0);
    expectSameTree(snapshotTree(mirror), snapshotTree(source));
  });
});
