import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import sinon from 'sinon';
import type { RunnerState } from '../../src/control/daemon-api.js';
import type { RunnerJob } from '../../src/ipc/runner-job.js';
import type { SupervisorToRunner } from '../../src/ipc/runner-protocol.js';
import { computeRestartDelay, DEFAULT_BACKOFF } from '../../src/supervisor/restart-backoff.js';
import { RunnerHandle, type RunnerProcess } from '../../src/supervisor/runner-handle.js';

// Supervisor logic with fork replaced by an EventEmitter and fake timers (STYLE.md rule 20).
class FakeRunner extends EventEmitter implements RunnerProcess {
  static nextPid = 1000;
  readonly pid = FakeRunner.nextPid++;
  connected = true;
  readonly sent: SupervisorToRunner[] = [];
  readonly signals: string[] = [];
  send(message: SupervisorToRunner): boolean {
    this.sent.push(message);
    return true;
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    return true;
  }
  reply(message: unknown): void {
    this.emit('message', message);
  }
  crash(): void {
    this.connected = false;
    this.emit('exit', 1, null);
  }
}

const JOB = { id: 'job' } as RunnerJob;

describe('RunnerHandle', () => {
  let clock: sinon.SinonFakeTimers;
  let spawned: FakeRunner[];
  let handle: RunnerHandle;
  let killed: number[];
  let states: RunnerState[];

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000 });
    spawned = [];
    killed = [];
    handle = new RunnerHandle({
      killTree: (pid) => killed.push(pid),
      job: JOB,
      spawn: () => {
        const child = new FakeRunner();
        spawned.push(child);
        return child;
      },
      stopTimeoutMs: 1000,
    });
    states = [];
    handle.on('state', (state) => states.push(state));
  });

  afterEach(() => clock.restore());

  const latest = () => spawned.at(-1) as FakeRunner;

  it('is idle once the runner says it is ready, and syncing while it runs', () => {
    handle.start();
    expect(handle.state).to.equal('starting');
    latest().reply({ type: 'ready' });
    expect(handle.state).to.equal('idle');
    expect(handle.sync('r1', 'full')).to.equal(true);
    expect(latest().sent).to.deep.equal([{ type: 'sync', runId: 'r1', mode: 'full' }]);
    expect(handle.state).to.equal('syncing');
    expect(handle.sync('r2', 'full'), 'a second run waits').to.equal(false);
    latest().reply({ type: 'result', runId: 'r1', outcome: 'ok', stats: {}, errors: [], warnings: [] });
    expect(handle.state).to.equal('idle');
  });

  it('restarts at once after a first crash, then backs off doubling, then reaches crashloop at the ceiling', async () => {
    handle.start();
    const delays: number[] = [];
    for (let crash = 1; crash <= 6; crash++) {
      latest().crash();
      const before = spawned.length;
      let waited = 0;
      while (spawned.length === before) {
        await clock.tickAsync(50);
        waited += 50;
      }
      delays.push(waited);
    }
    expect(delays).to.deep.equal([50, 100, 200, 400, 30_000, 30_000]);
    expect(handle.restarts).to.equal(6);
    expect(states).to.include('crashloop');
  });

  it('forgets earlier crashes after a minute up and ready', async () => {
    handle.start();
    latest().crash();
    await clock.tickAsync(0);
    latest().crash();
    await clock.tickAsync(100);
    expect(spawned).to.have.length(3);
    latest().reply({ type: 'ready' });
    await clock.tickAsync(60_000);
    latest().crash();
    await clock.tickAsync(0);
    expect(spawned, 'restarted at once, as a first crash').to.have.length(4);
  });

  it('counts the minute from ready, not from spawn: a slow start that crashes soon after still backs off', async () => {
    handle = new RunnerHandle({
      killTree: (pid) => killed.push(pid),
      job: JOB,
      spawn: () => {
        const child = new FakeRunner();
        spawned.push(child);
        return child;
      },
      readyTimeoutMs: 120_000,
    });
    handle.start();
    latest().crash();
    await clock.tickAsync(0);
    expect(spawned).to.have.length(2);
    // 50 s to start, 20 s ready: 70 s since spawn, but only 20 s up and ready.
    await clock.tickAsync(50_000);
    latest().reply({ type: 'ready' });
    await clock.tickAsync(20_000);
    latest().crash();
    await clock.tickAsync(99);
    expect(spawned, 'a second crash in a row waits the initial delay').to.have.length(2);
    await clock.tickAsync(1);
    expect(spawned).to.have.length(3);
    // A runner that never became ready is never "up": 70 s of starting do not reset the count either.
    await clock.tickAsync(70_000);
    latest().crash();
    await clock.tickAsync(199);
    expect(spawned, 'a third crash in a row waits twice as long').to.have.length(3);
    await clock.tickAsync(1);
    expect(spawned).to.have.length(4);
  });

  it('reports a run lost to a crash', () => {
    const lost: string[] = [];
    handle.on('run-lost', (runId) => lost.push(runId));
    handle.start();
    latest().reply({ type: 'ready' });
    handle.sync('r1', 'full');
    latest().crash();
    expect(lost).to.deep.equal(['r1']);
  });

  it('drops malformed messages with an event, never trusting them', () => {
    const invalid: string[] = [];
    handle.on('invalid', (error) => invalid.push(error));
    handle.start();
    latest().reply({ type: 'ready', extra: 1 });
    latest().reply({ type: 'result', runId: 'x' });
    latest().reply('garbage');
    expect(invalid).to.have.length(2);
    expect(handle.state).to.equal('idle');
  });

  it('stops politely and does not restart', async () => {
    handle.start();
    latest().reply({ type: 'ready' });
    const child = latest();
    const stopped = handle.stop();
    expect(child.sent).to.deep.equal([{ type: 'stop' }]);
    child.emit('exit', 0, null);
    await stopped;
    await clock.tickAsync(60_000);
    expect(spawned).to.have.length(1);
    expect(handle.state).to.equal('stopped');
    expect(child.signals).to.deep.equal([]);
  });

  it('sends SIGTERM when the stop message is ignored past the timeout', async () => {
    handle.start();
    const child = latest();
    const stopped = handle.stop();
    await clock.tickAsync(999);
    expect(child.signals).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(child.signals).to.deep.equal(['SIGTERM']);
    child.emit('exit', null, 'SIGTERM');
    await stopped;
    expect(handle.state).to.equal('stopped');
  });

  it('kills a runner that never says it is ready, and restarts it like a crash', async () => {
    handle.start();
    const stuck = latest();
    await clock.tickAsync(29_999);
    expect(killed).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(killed).to.deep.equal([stuck.pid]);
    stuck.crash();
    await clock.tickAsync(0);
    expect(spawned).to.have.length(2);
    latest().reply({ type: 'ready' });
    await clock.tickAsync(60_000);
    expect(killed, 'a ready runner is left alone').to.deep.equal([stuck.pid]);
  });

  it('computes the documented delays', () => {
    expect([1, 2, 3, 4, 5, 6].map((crashes) => computeRestartDelay(crashes, DEFAULT_BACKOFF))).to.deep.equal([
      0, 100, 200, 400, 30_000, 30_000,
    ]);
  });
});
