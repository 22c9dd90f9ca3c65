import { expect } from 'chai';
import sinon from 'sinon';
import { startJobSchedule } from '../../src/scheduler/job-schedule.js';

describe('startJobSchedule', () => {
  describe('interval', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    });
    afterEach(() => clock.restore());

    it('runs once at start, then every interval, and says when the next run is', async () => {
      let runs = 0;
      const schedule = startJobSchedule({ type: 'interval', interval: '5m' }, () => runs++);
      await clock.tickAsync(0);
      expect(runs).to.equal(1);
      expect(schedule.nextRunAt()?.getTime()).to.equal(Date.UTC(2026, 0, 1, 0, 5));
      await clock.tickAsync(5 * 60_000);
      expect(runs).to.equal(2);
      await clock.tickAsync(10 * 60_000);
      expect(runs).to.equal(4);
      schedule.stop();
      await clock.tickAsync(60 * 60_000);
      expect(runs).to.equal(4);
    });
  });

  it('knows the next run of a cron schedule in its timezone', () => {
    const schedule = startJobSchedule(
      { type: 'cron', expression: '0 0 2 * * MON', timezone: 'UTC' },
      () => undefined,
    );
    try {
      const next = schedule.nextRunAt();
      expect(next?.getUTCDay()).to.equal(1);
      expect(next?.getUTCHours()).to.equal(2);
      expect(next?.getUTCMinutes()).to.equal(0);
      expect((next?.getTime() ?? 0) - Date.now()).to.be.within(0, 7 * 86_400_000);
    } finally {
      schedule.stop();
    }
  });

  it('never fires a manual schedule', () => {
    const schedule = startJobSchedule({ type: 'manual' }, () => {
      throw new Error('fired');
    });
    expect(schedule.nextRunAt()).to.equal(undefined);
    schedule.stop();
  });
});
