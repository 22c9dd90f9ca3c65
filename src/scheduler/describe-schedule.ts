import type { Schedule } from '../config/schema.js';

/** One short phrase for `status`: "every 30s", "cron 0 * * * * (Europe/Paris)", "manual". */
export function describeSchedule(schedule: Schedule): string {
  switch (schedule.type) {
    case 'interval':
      return `every ${schedule.interval}`;
    case 'cron':
      return `cron ${schedule.expression}${schedule.timezone ? ` (${schedule.timezone})` : ''}`;
    case 'manual':
      return 'manual';
    default:
      return JSON.stringify(schedule satisfies never);
  }
}
