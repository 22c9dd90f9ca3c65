import { expect } from 'chai';
import { describeCronError } from '../../src/config/describe-cron-error.js';

describe('describeCronError', () => {
  // The seed README's examples, plus the 5-field form and names.
  for (const expression of [
    '0 */15 * * * *',
    '0 0 * * * *',
    '0 0 0 * * *',
    '0 0 2 * * MON',
    '0 */30 * * * *',
    '*/5 * * * *',
    '0 9-17 * * MON-FRI',
    '0 0 1 JAN,JUL *',
    '30 0 12 1-15/2 * 0-6',
  ]) {
    it(`accepts "${expression}"`, () => {
      expect(describeCronError(expression)).to.equal(undefined);
    });
  }

  const wrong: [string, string][] = [
    ['61 * * * * *', 'field 1 of 6 (second) to be 0-59'],
    ['0 61 * * * *', 'field 2 of 6 (minute) to be 0-59'],
    ['0 0 24 * * *', 'field 3 of 6 (hour) to be 0-23'],
    ['0 0 0 32 * *', 'field 4 of 6 (day of month) to be 1-31'],
    ['0 0 0 * 13 *', 'field 5 of 6 (month) to be 1-12 or JAN-DEC'],
    ['0 0 0 * * 8', 'field 6 of 6 (day of week) to be 0-7 or SUN-SAT'],
    ['60 * * * *', 'field 1 of 5 (minute) to be 0-59'],
    ['* * * * FRY', 'field 5 of 5 (day of week)'],
    ['* * * *', 'this one has 4'],
    ['* * * * * * *', 'this one has 7'],
  ];
  for (const [expression, message] of wrong) {
    it(`names the wrong field of "${expression}"`, () => {
      expect(describeCronError(expression)).to.include(message);
    });
  }
});
