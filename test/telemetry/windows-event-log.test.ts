import { expect } from 'chai';
import { eventcreateArgs, WindowsEventLog } from '../../src/telemetry/windows-event-log.js';
import { waitFor } from '../helpers/sync-helpers.js';

// The commands are what eventcreate.exe takes (this machine has none: the runner is handed in, the arguments
// are what is checked).
describe('the Windows Event Log', () => {
  it('sends warn and above, as WARNING or ERROR events of source sync-daemon, one at a time', async () => {
    const calls: string[][] = [];
    let running = 0;
    let most = 0;
    const log = new WindowsEventLog({
      run: async (file, args) => {
        running++;
        most = Math.max(most, running);
        calls.push([file, ...args]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      },
    });
    log.write({ level: 30, msg: 'sync ok' });
    log.write({ level: 40, msg: 'runner backoff', job: 'docs' });
    log.write({ level: 60, msg: 'the daemon crashed:\nstack' });
    await waitFor(() => calls.length === 2, { what: 'two events' });
    expect(calls[0]).to.deep.equal([
      'eventcreate',
      '/L',
      'APPLICATION',
      '/T',
      'WARNING',
      '/SO',
      'sync-daemon',
      '/ID',
      '1',
      '/D',
      'docs: runner backoff',
    ]);
    expect(calls[1]?.slice(4, 5)).to.deep.equal(['ERROR']);
    expect(calls[1]?.at(-1)).to.equal('the daemon crashed: stack');
    expect(most).to.equal(1);
  });

  it('sends at most perMinute events a minute, and says how many it left out in the next one', async () => {
    const calls: string[][] = [];
    const log = new WindowsEventLog({ run: async (_file, args) => calls.push([...args]), perMinute: 2 });
    for (let index = 0; index < 5; index++) log.write({ level: 40, msg: `warning ${index}` });
    await log.idle();
    expect(calls.map((args) => args.at(-1))).to.deep.equal(['warning 0', 'warning 1']);
    expect(eventcreateArgs({ level: 40, msg: 'next' }, 40, 3).at(-1)).to.equal(
      'next (3 earlier records were not sent to the Event Log: see the log file)',
    );
  });

  it('stops after eventcreate fails, and says so once', async () => {
    const problems: string[] = [];
    let calls = 0;
    const log = new WindowsEventLog({
      run: async () => {
        calls++;
        throw new Error('spawn eventcreate ENOENT');
      },
      onProblem: (problem) => problems.push(problem),
    });
    log.write({ level: 50, msg: 'one' });
    log.write({ level: 50, msg: 'two' });
    await waitFor(() => problems.length === 1, { what: 'the problem' });
    log.write({ level: 50, msg: 'three' });
    await log.idle();
    expect(calls).to.equal(1);
    expect(problems[0]).to.include('eventcreate failed (spawn eventcreate ENOENT)');
  });
});
