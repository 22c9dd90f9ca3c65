import { expect } from 'chai';
import { parseRunnerMessage, parseSupervisorMessage } from '../../src/ipc/runner-protocol.js';

describe('the runner IPC protocol', () => {
  it('accepts the supervisor messages of DESIGN.md', () => {
    for (const message of [
      { type: 'sync', runId: 'r1', mode: 'full' },
      { type: 'sync', runId: 'r2', mode: 'paths', paths: ['a', 'b/c'], dryRun: true },
      { type: 'stop' },
    ]) {
      expect(parseSupervisorMessage(message)).to.deep.equal({ ok: true, message });
    }
  });

  const badForRunner: [unknown, string][] = [
    [null, 'expected an object'],
    [[1], 'expected an object'],
    [{ type: 'sync', mode: 'full' }, 'expected a sync with a runId'],
    [{ type: 'sync', runId: 'r', mode: 'some' }, 'expected mode "full" or "paths"'],
    [{ type: 'sync', runId: 'r', mode: 'paths', paths: [1] }, 'expected paths relative to the source'],
    // A path that would reach out of the roots never reaches the engine.
    [{ type: 'sync', runId: 'r', mode: 'paths', paths: ['a/../../etc'] }, 'without "." or ".." segments'],
    [{ type: 'sync', runId: 'r', mode: 'paths', paths: ['/etc'] }, 'without "." or ".." segments'],
    [{ type: 'sync', runId: 'r', mode: 'full', dryRun: 'yes' }, 'expected dryRun as a boolean'],
    [{ type: 'reboot' }, 'expected a message of type "sync" or "stop"'],
  ];
  for (const [message, error] of badForRunner) {
    it(`describes the bad message ${JSON.stringify(message)}`, () => {
      const parsed = parseSupervisorMessage(message);
      expect(parsed.ok).to.equal(false);
      if (!parsed.ok) expect(parsed.error).to.include(error);
    });
  }

  it('accepts runner messages and rejects malformed ones', () => {
    expect(parseRunnerMessage({ type: 'ready' }).ok).to.equal(true);
    expect(
      parseRunnerMessage({ type: 'log', records: [{ level: 'info', time: 't', msg: 'm' }] }).ok,
    ).to.equal(true);
    expect(
      parseRunnerMessage({ type: 'log', records: [{ level: 'loud', time: 't', msg: 'm' }] }).ok,
    ).to.equal(false);
    expect(parseRunnerMessage({ type: 'progress', runId: 'r', progress: {} }).ok).to.equal(true);
    expect(
      parseRunnerMessage({ type: 'result', runId: 'r', outcome: 'ok', stats: {}, errors: [], warnings: [] })
        .ok,
    ).to.equal(true);
    expect(
      parseRunnerMessage({
        type: 'result',
        runId: 'r',
        outcome: 'great',
        stats: {},
        errors: [],
        warnings: [],
      }).ok,
    ).to.equal(false);
    expect(parseRunnerMessage({ type: 'hello' }).ok).to.equal(false);
  });
});
