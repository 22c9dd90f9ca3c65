import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../src/config/parse-duration.js';

describe('parseDuration', () => {
  const valid: [string, number][] = [
    ['1s', 1_000],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['250ms', 250],
    ['1m30s500ms', 90_500],
    ['0s', 0],
  ];
  for (const [text, milliseconds] of valid) {
    it(`reads "${text}" as ${milliseconds} ms`, () => {
      expect(parseDuration(text)).to.equal(milliseconds);
    });
  }

  for (const text of ['', '5', '5x', 'm5', '5 m', '1.5h', '-5m', '5m1h', '1m1m', '5M', ' 5m', '5m ']) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(parseDuration(text)).to.equal(undefined);
    });
  }

  it('formats durations that parse back to the same value', () => {
    for (const milliseconds of [0, 1, 999, 1_000, 90_500, 5_400_000, 172_800_000 + 61_000]) {
      expect(parseDuration(formatDuration(milliseconds))).to.equal(milliseconds);
    }
    expect(formatDuration(5_400_000)).to.equal('1h30m');
  });
});
