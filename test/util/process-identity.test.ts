import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { isAlive } from '../../src/util/process-identity.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// A daemon has threads. Killed, its main thread turns zombie while the others still exit, and its listening
// socket closes only with the last of them: `stop --force` once took such a socket for a live daemon's.
const LISTENER_WITH_THREADS = `
const { Worker } = require('node:worker_threads');
for (let i = 0; i < 4; i++) new Worker('setInterval(() => {}, 1000)', { eval: true });
require('node:net').createServer().listen(process.argv[1]);`;

describe('isAlive', () => {
  afterEach(removeTempDirs);

  it('holds a killed process alive until its last thread is gone and its socket no longer accepts', async function () {
    if (process.platform !== 'linux') this.skip();
    const dir = await makeTempDir();
    for (let round = 0; round < 10; round++) {
      const socketPath = path.join(dir, `daemon-${round}.sock`);
      // Not reaped until this test awaits its exit: a zombie, as under a pid 1 that never reaps.
      const child = spawn(process.execPath, ['-e', LISTENER_WITH_THREADS, socketPath], { stdio: 'ignore' });
      await waitFor(() => fs.existsSync(socketPath), { what: 'the listener' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid as number, 'SIGKILL');
      // Synchronously, so the child's exit is not reaped while this waits; with a deadline, as a loop that never
      // yields would keep mocha's own timeout from firing.
      const deadline = Date.now() + 10_000;
      while (isAlive(child.pid as number) && Date.now() < deadline);
      expect(isAlive(child.pid as number), `round ${round}: still alive after 10 s`).to.equal(false);
      const accepts = await new Promise((resolve) => {
        const probe = net.connect(socketPath);
        probe.once('connect', () => resolve(true)).once('error', () => resolve(false));
      });
      expect(accepts, `round ${round}: the socket still accepts`).to.equal(false);
      await exited;
    }
  });
});
