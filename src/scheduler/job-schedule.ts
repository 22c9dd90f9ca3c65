import cron, { type ScheduledTask } from 'node-cron';
import { parseDuration } from '../config/parse-duration.js';
import type { Schedule } from '../config/schema.js';
import { type LongTimeout, setLongTimeout } from './long-timeout.js';

/** The latest time a Date holds (ECMAScript: 8.64e15 ms after the epoch). */
const MAX_DATE_MS = 8.64e15;

/** A job's timer: it fires `onDue` when the job should run and knows when that is next (for `status`). */
export interface JobSchedule {
  nextRunAt(): Date | undefined;
  stop(): void;
}

/**
 * interval: once when the daemon starts, then every interval after each firing; cron: node-cron with the
 * schedule's timezone (6 fields with seconds, or 5); manual: never (only triggers).
 */
export function startJobSchedule(schedule: Schedule, onDue: () => void): JobSchedule {
  switch (schedule.type) {
    case 'interval':
      return startInterval(parseDuration(schedule.interval) ?? 0, onDue);
    case 'cron':
      return startCron(schedule.expression, schedule.timezone, onDue);
    case 'manual':
      return { nextRunAt: () => undefined, stop: () => undefined };
    default:
      throw new Error(`unknown schedule ${JSON.stringify(schedule satisfies never)}`);
  }
}

function startInterval(intervalMs: number, onDue: () => void): JobSchedule {
  let next = Date.now();
  let timer: LongTimeout | undefined;
  const fire = () => {
    next = Date.now() + intervalMs;
    // Intervals of 25 days and more pass setTimeout's limit: they wait in a chain of timers.
    timer = setLongTimeout(fire, intervalMs);
    onDue();
  };
  // The first run comes right after start-up, from the event loop rather than inside the caller.
  timer = setLongTimeout(fire, 0);
  return {
    // Past the last date a Date can hold, there is no next run to show.
    nextRunAt: () => (next <= MAX_DATE_MS ? new Date(next) : undefined),
    stop: () => timer?.clear(),
  };
}

// node-cron 4 wakes at least once a day (its heartbeat is capped at 24 h), so a far cron date needs no chain.
function startCron(expression: string, timezone: string | undefined, onDue: () => void): JobSchedule {
  const task: ScheduledTask = cron.schedule(expression, () => onDue(), {
    ...(timezone ? { timezone } : {}),
    noOverlap: false,
  });
  return {
    nextRunAt: () => task.getNextRun() ?? undefined,
    stop: () => {
      void task.destroy();
    },
  };
}
