import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { DaemonMetrics, type RunnerUsage } from '../../../src/telemetry/metrics/daemon-metrics.js';
import {
  type RunnerProcess,
  type RunnerUsageSampler,
  startRunnerUsageSampler,
} from '../../../src/telemetry/metrics/runner-usage-sampler.js';
import { waitFor } from '../../helpers/sync-helpers.js';
import { sampleValue } from './exposition.js';

describe('startRunnerUsageSampler', () => {
  const children: ChildProcess[] = [];
  let sampler: RunnerUsageSampler | undefined;
  let fed: Array<{ job: string; pid: number; usage: RunnerUsage }>;
  let problems: string[];
  const sink = {
    setRunnerUsage: (job: string, pid: number, usage: RunnerUsage) => fed.push({ job, pid, usage }),
  };

  /** A process that idles until killed, standing in for a runner. */
  async function startIdleChild(): Promise<number> {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    if (child.pid === undefined) throw new Error('the child has no pid');
    return child.pid;
  }

  /** The pid of a process that has exited and been reaped: no process has it now. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(child, 'exit');
    if (child.pid === undefined) throw new Error('the child has no pid');
    return child.pid;
  }

  function start(runners: () => RunnerProcess[], intervalMs = 60_000): RunnerUsageSampler {
    sampler = startRunnerUsageSampler({
      listRunners: runners,
      metrics: sink,
      intervalMs,
      onProblem: (message) => problems.push(message),
    });
    return sampler;
  }

  beforeEach(() => {
    fed = [];
    problems = [];
  });

  afterEach(async () => {
    sampler?.stop();
    sampler = undefined;
    await Promise.all(
      children.splice(0).map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGKILL');
        await once(child, 'exit');
      }),
    );
  });

  it('samples a real process’s CPU time and resident memory', async () => {
    const pid = await startIdleChild();
    await start(() => [{ job: 'photos', pid }]).sampleNow();
    expect(fed).to.have.length(1);
    const [sample] = fed;
    expect(sample?.job).to.equal('photos');
    expect(sample?.pid).to.equal(pid);
    // A Node.js process holds well over a megabyte, and has used some CPU time starting up.
    expect(sample?.usage.rssBytes).to.be.greaterThan(1_000_000);
    expect(sample?.usage.cpuSeconds).to.be.at.least(0).and.below(60);
    expect(problems).to.deep.equal([]);
  });

  it('feeds DaemonMetrics, every runner in one call, on its own timer', async () => {
    const metrics = new DaemonMetrics({ version: '0.0.0' });
    const [photos, music] = await Promise.all([startIdleChild(), startIdleChild()]);
    sampler = startRunnerUsageSampler({
      listRunners: () => [
        { job: 'photos', pid: photos },
        { job: 'music', pid: music },
      ],
      metrics,
      intervalMs: 20,
    });
    const memoryOf = async (job: string) =>
      sampleValue(await metrics.metricsText(), 'sync_daemon_runner_resident_memory_bytes', {
        sync_job: job,
      }) ?? 0;
    await waitFor(async () => (await memoryOf('photos')) > 0 && (await memoryOf('music')) > 0, {
      what: 'both runners sampled by the timer',
    });
  });

  it('skips a pid that vanished, alone or beside live ones, without a problem', async () => {
    const [alive, dead] = await Promise.all([startIdleChild(), deadPid()]);
    start(() => [{ job: 'gone', pid: dead }]);
    await sampler?.sampleNow();
    expect(fed).to.deep.equal([]);
    sampler?.stop();
    start(() => [
      { job: 'gone', pid: dead },
      { job: 'photos', pid: alive },
    ]);
    await sampler?.sampleNow();
    expect(fed.map((sample) => sample.job)).to.deep.equal(['photos']);
    expect(problems).to.deep.equal([]);
  });

  it('skips a runner that exited after it was sampled once', async () => {
    const pid = await startIdleChild();
    start(() => [{ job: 'photos', pid }]);
    await sampler?.sampleNow();
    const [child] = children;
    child?.kill('SIGKILL');
    if (child) await once(child, 'exit');
    await sampler?.sampleNow();
    expect(fed).to.have.length(1);
    expect(problems).to.deep.equal([]);
  });

  it('reports another failure once, not on every sample, and again after a sample succeeded', async () => {
    const pid = await startIdleChild();
    let runners: RunnerProcess[] = [{ job: 'photos', pid: -1 }];
    start(() => runners);
    await sampler?.sampleNow();
    await sampler?.sampleNow();
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^metrics: cannot sample the runners' CPU and memory: .*pids.*invalid/);
    runners = [{ job: 'photos', pid }];
    await sampler?.sampleNow();
    runners = [{ job: 'photos', pid: -1 }];
    await sampler?.sampleNow();
    expect(problems).to.have.length(2);
  });

  it('samples nothing when no runner is alive, and nothing once stopped', async () => {
    let listed = 0;
    const pid = await startIdleChild();
    const stopped = start(() => {
      listed++;
      return [{ job: 'photos', pid }];
    });
    stopped.stop();
    await stopped.sampleNow();
    expect(listed).to.equal(0);
    start(() => []);
    await sampler?.sampleNow();
    expect(fed).to.deep.equal([]);
  });
});
