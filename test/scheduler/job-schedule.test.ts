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

    it("waits a 30d interval out (past setTimeout's 2^31-1 ms): once after 30 days, not before", async () => {
      const day = 86_400_000;
      let runs = 0;
      const schedule = startJobSchedule({ type: 'interval', interval: '30d' }, () => runs++);
      try {
        await clock.tickAsync(0);
        expect(runs, 'the run at start-up').to.equal(1);
        await clock.tickAsync(30 * day - 1);
        expect(runs, 'nothing before 30 days').to.equal(1);
        await clock.tickAsync(1);
        expect(runs).to.equal(2);
        expect(schedule.nextRunAt()?.getTime()).to.equal(Date.UTC(2026, 0, 1) + 60 * day);
        await clock.tickAsync(30 * day - 1);
        expect(runs).to.equal(2);
      } finally {
        schedule.stop();
      }
      await clock.tickAsync(60 * day);
      expect(runs, 'nothing once stopped').to.equal(2);
    });

    it('waits a longer interval than a Date can reach without firing, and shows no next run', async () => {
      let runs = 0;
      const schedule = startJobSchedule({ type: 'interval', interval: '200000000d' }, () => runs++);
      try {
        await clock.tickAsync(0);
        await clock.tickAsync(10 * 2 ** 31);
        expect(runs).to.equal(1);
        expect(schedule.nextRunAt()).to.equal(undefined);
      } finally {
        schedule.stop();
      }
    });
  });

  describe('cron', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1, 0, 0, 30) });
    });
    afterEach(() => clock.restore());

    it('fires a yearly expression once, on its date, not before (node-cron wakes at most a day apart)', async () => {
      let runs = 0;
      const schedule = startJobSchedule(
        { type: 'cron', expression: '0 0 0 1 1 *', timezone: 'UTC' },
        () => runs++,
      );
      try {
        expect(schedule.nextRunAt()?.getTime()).to.equal(Date.UTC(2027, 0, 1));
        await clock.tickAsync(Date.UTC(2027, 0, 1) - Date.now() - 1000);
        expect(runs).to.equal(0);
        await clock.tickAsync(2000);
        expect(runs).to.equal(1);
      } finally {
        schedule.stop();
      }
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
