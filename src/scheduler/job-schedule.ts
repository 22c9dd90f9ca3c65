import cron, { type ScheduledTask } from 'node-cron';
import { parseDuration } from '../config/parse-duration.js';
import type { Schedule } from '../config/schema.js';

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
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    next = Date.now() + intervalMs;
    timer = setTimeout(fire, intervalMs);
    onDue();
  };
  // The first run comes right after start-up, from the event loop rather than inside the caller.
  timer = setTimeout(fire, 0);
  return {
    nextRunAt: () => new Date(next),
    stop: () => clearTimeout(timer),
  };
}

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
