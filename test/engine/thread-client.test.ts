import { execFile } from 'node:child_process';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { ThreadClient, type ThreadClientOptions, ThreadLostError } from '../../src/engine/thread-client.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/sync-helpers.js';

type Answer = { id: number; value?: string; progress?: number };

// Worker bodies (CommonJS, evaluated): each answers requests its own way.
const ECHO = `
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', ({ id, value, delay = 0 }) =>
    setTimeout(() => parentPort.postMessage({ id, value: 'echo ' + value }), delay));
`;
const WITH_PROGRESS = `
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', ({ id }) => {
    parentPort.postMessage({ id, progress: 1 });
    parentPort.postMessage({ id, progress: 2 });
    parentPort.postMessage({ id, value: 'done' });
  });
`;
const THROWS_ON_REQUEST = `
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', () => { throw new Error('boom in the thread'); });
`;
const EXITS_ON_REQUEST = `
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', () => process.exit(7));
`;

let uniqueName = 0;
function clientOf(
  body: string,
  options: Partial<ThreadClientOptions<Answer>> = {},
): { client: ThreadClient<{ value?: string; delay?: number }, Answer>; started: Worker[] } {
  const started: Worker[] = [];
  const client = new ThreadClient<{ value?: string; delay?: number }, Answer>({
    // Unique: onFallback is once per process and name.
    name: `test thread ${uniqueName++}`,
    start: () => {
      const worker = new Worker(body, { eval: true });
      started.push(worker);
      return worker;
    },
    afterLoss: 'stay-inline',
    ...options,
  });
  clients.push(started);
  return { client, started };
}

const clients: Worker[][] = [];

describe('ThreadClient', () => {
  afterEach(async () => {
    await Promise.all(clients.splice(0).flatMap((workers) => workers.map((worker) => worker.terminate())));
  });

  it('matches each answer to its request by id, whatever the order they come in', async () => {
    const { client } = clientOf(ECHO);
    const slow = client.request({ value: 'slow', delay: 100 });
    const fast = client.request({ value: 'fast' });
    expect(client.busy).to.equal(true);
    expect((await fast).value).to.equal('echo fast');
    expect((await slow).value).to.equal('echo slow');
    expect(client.busy).to.equal(false);
  });

  it('starts its worker on first use only, once', async () => {
    const { client, started } = clientOf(ECHO);
    expect(started).to.have.length(0);
    await client.request({ value: 'a' });
    await client.request({ value: 'b' });
    expect(started).to.have.length(1);
  });

  it('passes the messages before the answer to the request’s onNote', async () => {
    const { client } = clientOf(WITH_PROGRESS, { isAnswer: (message) => message.value !== undefined });
    const notes: (number | undefined)[] = [];
    const answer = await client.request({}, (note) => notes.push(note.progress));
    expect(notes).to.deep.equal([1, 2]);
    expect(answer.value).to.equal('done');
  });

  it('rejects what a thread that died owed with its error, reports the fallback once, and stays in-line', async () => {
    const fallbacks: ThreadLostError[] = [];
    const { client, started } = clientOf(THROWS_ON_REQUEST, { onFallback: (error) => fallbacks.push(error) });

    const lost = await client.request({ value: 'x' }).catch((error: unknown) => error);

    expect(lost).to.be.instanceOf(ThreadLostError);
    expect(lost).to.include({ code: 'THREAD_DIED' });
    expect((lost as Error).message).to.match(/thread failed: boom in the thread$/);
    expect(fallbacks).to.deep.equal([lost]);
    expect(client.tryStart(), 'no new thread after a loss').to.equal(false);
    const unavailable = await client.request({}).catch((error: unknown) => error);
    expect(unavailable).to.include({ code: 'THREAD_UNAVAILABLE' });
    expect(started).to.have.length(1);
    expect(fallbacks).to.have.length(1);
  });

  it('says with which code a thread exited', async () => {
    const { client } = clientOf(EXITS_ON_REQUEST);
    const lost = await client.request({}).then(
      () => expect.fail('the thread exited before it answered'),
      (error: ThreadLostError) => error,
    );
    expect(lost.message).to.match(/thread exited with code 7$/);
  });

  it('starts a new thread after a loss when asked to restart', async () => {
    // The first worker dies on its request; its successor echoes.
    const bodies = [EXITS_ON_REQUEST, ECHO];
    const started: Worker[] = [];
    clients.push(started);
    const client = new ThreadClient<{ value?: string }, Answer>({
      name: `test thread ${uniqueName++}`,
      afterLoss: 'restart',
      start: () => {
        const worker = new Worker(bodies[started.length] ?? ECHO, { eval: true });
        started.push(worker);
        return worker;
      },
    });
    expect(await client.request({}).catch((error: ThreadLostError) => error.code)).to.equal('THREAD_DIED');
    expect((await client.request({ value: 'again' })).value).to.equal('echo again');
    expect(started).to.have.length(2);
  });

  it('reports a thread that cannot start once per process and name, with the error', async () => {
    const fallbacks: ThreadLostError[] = [];
    const options = {
      name: `test thread ${uniqueName++}`,
      start: (): Worker => {
        throw new Error('no threads here');
      },
      afterLoss: 'restart' as const,
      onFallback: (error: ThreadLostError) => fallbacks.push(error),
    };
    const first = new ThreadClient<object, Answer>(options);
    const second = new ThreadClient<object, Answer>(options);

    expect(first.tryStart()).to.equal(false);
    expect(second.tryStart()).to.equal(false);
    expect(await first.request({}).catch((error: ThreadLostError) => error.code)).to.equal(
      'THREAD_UNAVAILABLE',
    );

    expect(fallbacks).to.have.length(1);
    expect(fallbacks[0]?.code).to.equal('THREAD_UNAVAILABLE');
    expect(fallbacks[0]?.cause).to.have.property('message', 'no threads here');
  });

  it('ends an idle thread on release without counting it lost; the next request starts a new one', async () => {
    const fallbacks: unknown[] = [];
    const { client, started } = clientOf(ECHO, { onFallback: (error) => fallbacks.push(error) });
    await client.request({ value: 'a' });
    client.release();
    await waitFor(() => started[0]?.threadId === -1, { what: 'the released thread to end' });
    expect((await client.request({ value: 'b' })).value).to.equal('echo b');
    expect(started).to.have.length(2);
    expect(fallbacks).to.deep.equal([]);
  });

  it('keeps its process alive while an answer is due, and not once idle', async function () {
    this.slow(4000);
    const fixture = path.join(PROJECT_ROOT, 'test', 'fixtures', 'idle-thread-client.ts');
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', fixture, '300'], { timeout: 10_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(output).to.equal('late\n');
  });
});
