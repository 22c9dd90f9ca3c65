import cron from 'node-cron';

const FIELD_RANGES: Record<string, string> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  dayOfMonth: '1-31',
  month: '1-12 or JAN-DEC',
  dayOfWeek: '0-7 or SUN-SAT',
};
const FIELD_NAMES: Record<string, string> = { dayOfMonth: 'day of month', dayOfWeek: 'day of week' };
const FIELDS_WITH_SECONDS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'];

export const CRON_EXPECTATION =
  'a cron expression of 6 fields "sec min hour day month weekday" (e.g. "0 */15 * * * *") or 5 without seconds';

/** Says which field of a cron expression is wrong and what it accepts (phrased to follow "expected"), or undefined when node-cron accepts it. */
export function describeCronError(expression: string): string | undefined {
  const fieldCount = expression.trim().split(/\s+/).filter(Boolean).length;
  if (fieldCount !== 5 && fieldCount !== 6) {
    return `${CRON_EXPECTATION}; this one has ${fieldCount}`;
  }
  const { valid, errors } = cron.validateDetailed(expression);
  if (valid) return undefined;
  const fields = fieldCount === 6 ? FIELDS_WITH_SECONDS : FIELDS_WITH_SECONDS.slice(1);
  const descriptions = errors.map((error) => {
    const position = fields.indexOf(error.field);
    const range = FIELD_RANGES[error.field];
    if (position < 0 || !range) return error.message;
    const name = FIELD_NAMES[error.field] ?? error.field;
    if (!error.message.includes('invalid expression')) {
      return `field ${position + 1} of ${fieldCount} (${name}) to be possible: ${error.message}`;
    }
    return `field ${position + 1} of ${fieldCount} (${name}) to be ${range}, "*", a list, a range or a step, not "${error.value ?? ''}"`;
  });
  return descriptions.join('; ') || `${CRON_EXPECTATION}`;
}
