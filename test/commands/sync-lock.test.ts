import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { defaultLockDir, lockDestination } from '../../src/jobs/destination-lock.js';
import { runCli } from '../helpers/run-cli.js';
import { RunGate } from '../helpers/run-gate.js';
import { runCliWithin } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

describe('sync-daemon sync and the destination lock (CLI)', function () {
  this.slow(4000);
  afterEach(removeTempDirs);

  it('refuses to write a destination another run holds, and runs once it is free', async () => {
    const dir = await makeTempDir();
    await writeTree(path.join(dir, 'source'), { 'a.txt': 'alpha' });
    const config = path.join(dir, 'config.toml');
    await fs.writeFile(
      config,
      `[daemon]\nsocket_path = "run/daemon.sock"\n[[sync_jobs]]\nid = "docs"\nsource_path = "source"\ndestination_path = "mirror"\n`,
    );
    // Held as a daemon's runner holds it; the lock does not depend on the socket a run was started with.
    const release = await lockDestination(path.join(dir, 'mirror'), defaultLockDir());
    try {
      for (const socket of [[], ['--socket', path.join(dir, 'elsewhere.sock')]]) {
        const refused = await runCli(['sync', 'docs', '--config', config, ...socket]);
        expect(refused.exitCode).to.equal(1);
        expect(refused.stderr).to.include(`${path.join(dir, 'mirror')} is being written by another run`);
      }
      await fs.access(path.join(dir, 'mirror')).then(
        () => expect.fail('nothing may be written while the lock is held'),
        () => undefined,
      );
      const dryRun = await runCli(['sync', 'docs', '--config', config, '--dry-run']);
      expect(dryRun.exitCode, 'a dry run writes nothing and needs no lock').to.equal(0);
    } finally {
      await release();
    }
    const ran = await runCli(['sync', 'docs', '--config', config]);
    expect(ran.exitCode, ran.stderr).to.equal(0);
    expect(await fs.readFile(path.join(dir, 'mirror', 'a.txt'), 'utf8')).to.equal('alpha');
  });

  it('holds the lock for the whole of a one-shot run: a second run started mid-way is refused', async () => {
    const dir = await makeTempDir();
    await writeTree(path.join(dir, 'source'), { 'a.txt': 'alpha', 'b.txt': 'beta' });
    const config = path.join(dir, 'config.toml');
    await fs.writeFile(
      config,
      `[daemon]\nsocket_path = "run/daemon.sock"\n[[sync_jobs]]\nid = "docs"\nsource_path = "source"\ndestination_path = "mirror"\n`,
    );
    const gate = RunGate.make(dir);
    const first = runCliWithin(['sync', 'docs', '--config', config], { env: gate.env() });
    await gate.waitUntilHeld();

    const second = await runCli(['sync', 'docs', '--config', config]);

    expect(second.exitCode).to.equal(1);
    expect(second.stderr).to.include(`${path.join(dir, 'mirror')} is being written by another run`);
    gate.open();
    const firstResult = await first;
    expect(firstResult.exitCode, firstResult.stderr).to.equal(0);
    expect(await fs.readFile(path.join(dir, 'mirror', 'b.txt'), 'utf8')).to.equal('beta');
  });
});
