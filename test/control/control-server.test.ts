import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { ControlError, callDaemon } from '../../src/control/control-client.js';
import {
  type ControlServer,
  SocketInUseError,
  startControlServer,
} from '../../src/control/control-server.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// Real Unix sockets in a temp folder.

/** A client that sends status requests as fast as the socket takes them and never reads a reply. */
const FLOODING_CLIENT = `
const socket = require('node:net').connect(process.argv[1]);
socket.pause();
socket.on('error', () => process.exit(0));
const requests = '{"id":1,"method":"status"}\\n'.repeat(100);
const pump = () => { while (socket.write(requests)); socket.once('drain', pump); };
socket.on('connect', pump);
`;
/** Sends raw bytes; then ends the connection, leaves it open for the server to close, or drops it. */
function rawExchange(
  socketPath: string,
  payload: string | Buffer,
  { after = 'end' }: { after?: 'end' | 'wait' | 'drop' } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    // A server that closes on a client still writing shows as EPIPE or ECONNRESET on this side.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      received += `[${error.code}]`;
    });
    socket.on('close', () => resolve(received));
    socket.on('connect', () => {
      socket.write(payload);
      if (after === 'end') socket.end();
      else if (after === 'drop') setImmediate(() => socket.destroy());
    });
  });
}

describe('the control socket', function () {
  this.slow(2000);
  let dir: string;
  let socketPath: string;
  let server: ControlServer | undefined;
  const handlers = {
    status: () => ({ pid: process.pid, jobs: [] }),
    fail: () => {
      throw Object.assign(new Error('no such job "x"'), { code: 'UNKNOWN_JOB' });
    },
  };

  beforeEach(async () => {
    dir = await makeTempDir();
    socketPath = path.join(dir, 'run', 'daemon.sock');
    server = await startControlServer(socketPath, handlers);
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await removeTempDirs();
  });

  it('answers a request, and is private: socket 0600 in a 0700 folder', async () => {
    expect(await callDaemon(socketPath, 'status')).to.deep.equal({ pid: process.pid, jobs: [] });
    expect(fs.statSync(socketPath).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(path.dirname(socketPath)).mode & 0o777).to.equal(0o700);
  });

  it('turns a handler error into a coded error reply', async () => {
    const error = await callDaemon(socketPath, 'fail').catch((thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(ControlError);
    expect(error).to.include({ code: 'UNKNOWN_JOB', message: 'no such job "x"' });
  });

  it('answers bad JSON, a non-object, a missing id and an unknown method with errors', async () => {
    const replies = (
      await rawExchange(socketPath, '{nope\n[1]\n{"method":"status"}\n{"id":7,"method":"reboot"}\n')
    )
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(replies.map((reply) => reply.error.code).sort()).to.deep.equal([
      'BAD_JSON',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'UNKNOWN_METHOD',
    ]);
    expect(replies.find((reply) => reply.id === 7).error.message).to.include('unknown method "reboot"');
  });

  it('answers a last request that ends at end-of-input without a newline, then closes', async () => {
    const reply = await rawExchange(socketPath, '{"id":1,"method":"status"}\n{"id":2,"method":"status"}');
    const replies = reply
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(replies.map((answer) => answer.id).sort()).to.deep.equal([1, 2]);
    expect(replies[1].result).to.deep.equal({ pid: process.pid, jobs: [] });
  });

  it('stops reading a client that never reads its replies, still answers others, and lets go when it leaves', async function () {
    this.timeout(30_000);
    const stats = () => server?.stats() ?? { connections: 0, requestsAccepted: 0, unreadReplyBytes: 0 };
    const flood = spawn(process.execPath, ['-e', FLOODING_CLIENT, socketPath], { stdio: 'ignore' });
    try {
      await waitFor(() => stats().requestsAccepted > 1000, { what: 'the flood to start' });
      // Its unread replies reach the bound, then nothing more is taken from it however long it goes on.
      let seen = -1;
      await waitFor(
        () => {
          const accepted = stats().requestsAccepted;
          const settled = accepted === seen;
          seen = accepted;
          return settled;
        },
        { what: 'the server to stop taking requests from the flood', timeoutMs: 5000, intervalMs: 500 },
      );
      expect(seen).to.be.below(50_000);
      expect(stats().unreadReplyBytes).to.be.below(4 * 1024 * 1024);
      expect(await callDaemon(socketPath, 'status')).to.have.property('pid', process.pid);
      expect(stats().requestsAccepted).to.equal(seen + 1);
    } finally {
      flood.kill('SIGKILL');
    }
    await waitFor(() => stats().connections === 0 && stats().unreadReplyBytes === 0, {
      what: 'the flood connection to be released',
    });
  });

  it('refuses a 2 MiB line and closes that connection, then answers the next client', async () => {
    const reply = await rawExchange(socketPath, Buffer.alloc(2 * 1024 * 1024, 'a'), { after: 'wait' });
    expect(reply).to.match(/FRAME_TOO_LARGE|\[EPIPE\]|\[ECONNRESET\]/);
    expect(await callDaemon(socketPath, 'status')).to.have.property('pid', process.pid);
  });

  it('survives half a frame then a disconnect, and 200 clients at once', async () => {
    await rawExchange(socketPath, '{"id":1,"meth', { after: 'drop' });
    const answers = await Promise.all(Array.from({ length: 200 }, () => callDaemon(socketPath, 'status')));
    expect(answers).to.have.length(200);
    expect(await callDaemon(socketPath, 'status')).to.have.property('pid', process.pid);
  });

  it('refuses a second daemon on a live socket, and replaces a stale one', async () => {
    const second = await startControlServer(socketPath, handlers).catch((thrown: unknown) => thrown);
    expect(second).to.be.instanceOf(SocketInUseError);
    await server?.close();
    // A daemon killed with SIGKILL leaves its socket file behind, with nobody listening.
    const crashed = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socketPath)})`,
    ]);
    await waitFor(() => fs.existsSync(socketPath), { what: 'the socket file' });
    crashed.kill('SIGKILL');
    await new Promise((resolve) => crashed.once('exit', resolve));
    expect(fs.existsSync(socketPath)).to.equal(true);
    server = await startControlServer(socketPath, handlers);
    expect(await callDaemon(socketPath, 'status')).to.have.property('pid', process.pid);
  });

  it('never takes the socket of a live daemon too busy to accept, whose backlog is full', async () => {
    await server?.close();
    server = undefined;
    // A live daemon that accepts nothing (stopped here; busy or swapped out in life): connects fail with
    // EAGAIN once its backlog is full, or hang; neither means the socket is stale.
    const busy = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen({ path: ${JSON.stringify(socketPath)}, backlog: 1 }, () => console.log('up'))`,
    ]);
    const fillers: net.Socket[] = [];
    try {
      await new Promise((resolve) => busy.stdout.once('data', resolve));
      busy.kill('SIGSTOP');
      for (let i = 0; i < 4; i++) {
        const filler = net.connect(socketPath);
        filler.on('error', () => undefined);
        fillers.push(filler);
      }
      const second = await startControlServer(socketPath, handlers).catch((thrown: unknown) => thrown);
      expect(second).to.be.instanceOf(SocketInUseError);
      expect(fs.existsSync(socketPath), 'the live daemon keeps its socket').to.equal(true);
    } finally {
      for (const filler of fillers) filler.destroy();
      busy.kill('SIGKILL');
      await new Promise((resolve) => busy.once('exit', resolve));
    }
  });

  it('lets only one of two daemons starting at once take a stale socket', async () => {
    await server?.close();
    server = undefined;
    for (let round = 0; round < 5; round++) {
      fs.writeFileSync(socketPath, '');
      const attempts = await Promise.allSettled([
        startControlServer(socketPath, handlers),
        startControlServer(socketPath, handlers),
      ]);
      const started = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
      const refused = attempts.flatMap((attempt) => (attempt.status === 'rejected' ? [attempt.reason] : []));
      expect(started).to.have.length(1);
      expect(refused[0]).to.be.instanceOf(SocketInUseError);
      expect(await callDaemon(socketPath, 'status')).to.have.property('pid', process.pid);
      await started[0]?.close();
    }
  });

  it('says no daemon is running when nobody listens', async () => {
    await server?.close();
    server = undefined;
    const error = await callDaemon(socketPath, 'status').catch((thrown: unknown) => thrown);
    expect(error).to.include({ code: 'NOT_RUNNING' });
  });
});
