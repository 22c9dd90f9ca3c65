import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { formatPrettyLine } from '../../src/telemetry/format-log-line.js';
import { levelName, syslogPriority } from '../../src/telemetry/log-record.js';
import { parseLogsParams } from '../../src/telemetry/logs-control.js';
import { followLogFile, readLastRecords } from '../../src/telemetry/read-log-files.js';
import { RecentLogRecords } from '../../src/telemetry/recent-log-records.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

function line(seq: number, level = 30, job?: string): string {
  const time = new Date(Date.UTC(2026, 11, 1, 10, 0, seq % 60)).toISOString();
  return `${JSON.stringify({ name: 'sync-daemon', level, msg: `record ${seq}`, time, v: 0, ...(job ? { job } : {}) })}\n`;
}

describe('log records', () => {
  afterEach(removeTempDirs);

  it('maps levels onto names and syslog priorities', () => {
    expect([10, 20, 30, 40, 50, 60].map(levelName)).to.deep.equal([
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
    ]);
    expect([10, 20, 30, 40, 50, 60].map(syslogPriority)).to.deep.equal([7, 7, 6, 4, 3, 2]);
  });

  it('prints a record as one readable line, with the day when asked', () => {
    const record = JSON.parse(line(5, 40, 'docs')) as Record<string, unknown>;
    expect(formatPrettyLine({ ...record, runId: 'r1' })).to.match(
      /^\d\d:\d\d:\d\d WARN {2}docs: record 5 {2}runId=r1$/,
    );
    expect(formatPrettyLine(record, true)).to.match(/^2026-12-\d\d \d\d:\d\d:\d\d WARN/);
  });

  describe('the recent records a daemon keeps', () => {
    it('gives the last N, by job and level', async () => {
      const recent = new RecentLogRecords(100);
      for (let seq = 0; seq < 50; seq++)
        recent.add(seq % 2 ? 40 : 30, seq % 3 ? 'a' : 'b', line(seq, seq % 2 ? 40 : 30, seq % 3 ? 'a' : 'b'));
      const last = await recent.query({ limit: 3 });
      expect(last.records.map((record) => record.msg)).to.deep.equal(['record 47', 'record 48', 'record 49']);
      expect(last.next).to.equal(50);
      const warnOfB = await recent.query({ limit: 2, job: 'b', minLevel: 40 });
      expect(warnOfB.records.map((record) => record.msg)).to.deep.equal(['record 39', 'record 45']);
    });

    it('wakes a follower when a record comes, and says how many it missed when it fell behind', async () => {
      const recent = new RecentLogRecords(10);
      const { next } = await recent.query({ limit: 1 });
      const waiting = recent.query({ from: next, limit: 100, waitMs: 10_000 });
      setImmediate(() => recent.add(30, undefined, line(0)));
      expect((await waiting).records.map((record) => record.msg)).to.deep.equal(['record 0']);
      for (let seq = 1; seq <= 25; seq++) recent.add(30, undefined, line(seq));
      const behind = await recent.query({ from: 1, limit: 100 });
      expect(behind.missed, 'records 1 to 15').to.equal(15);
      expect(behind.records).to.have.length(10);
      const idle = await recent.query({ from: behind.next, limit: 100, waitMs: 50 });
      expect(idle).to.deep.equal({ records: [], next: 26, missed: 0 });
    });

    it('answers every follower at once when the daemon stops, and any that asks later', async () => {
      const recent = new RecentLogRecords(10);
      const started = Date.now();
      const waiting = recent.query({ from: 0, limit: 10, waitMs: 30_000 });
      recent.release();
      expect(await waiting).to.deep.equal({ records: [], next: 0, missed: 0 });
      expect(await recent.query({ from: 0, limit: 10, waitMs: 30_000 })).to.deep.equal({
        records: [],
        next: 0,
        missed: 0,
      });
      expect(Date.now() - started).to.be.below(5000);
    });

    it('checks the params of the control method', () => {
      expect(parseLogsParams({ limit: 5, level: 'warn', job: 'docs' })).to.deep.equal({
        limit: 5,
        job: 'docs',
        minLevel: 40,
      });
      expect(() => parseLogsParams({ limit: -1 })).to.throw(
        '"params.limit" must be a whole number from 0 to',
      );
      expect(() => parseLogsParams({ level: 'loud' })).to.throw('"params.level" must be one of trace');
      expect(() => parseLogsParams({ waitMs: -1 })).to.throw('"params.waitMs"');
    });
  });

  describe('the log files read back', () => {
    it('gives the last records across rotated files, newest last, filtered', async () => {
      const dir = await makeTempDir();
      const file = path.join(dir, 'daemon.log');
      fs.writeFileSync(`${file}.2`, [0, 1, 2].map((seq) => line(seq, 30, 'a')).join(''));
      fs.writeFileSync(`${file}.1`, `${[3, 4].map((seq) => line(seq, 50, 'b')).join('')}not json\n`);
      fs.writeFileSync(
        file,
        [5, 6].map((seq) => line(seq, 30, 'a')).join('') + line(7, 30, 'a').slice(0, 20),
      );
      const msgs = (records: { msg: string }[]) => records.map((record) => record.msg);
      expect(msgs(readLastRecords(file, 4))).to.deep.equal(['record 3', 'record 4', 'record 5', 'record 6']);
      expect(msgs(readLastRecords(file, 10, { job: 'a' }))).to.deep.equal([
        'record 0',
        'record 1',
        'record 2',
        'record 5',
        'record 6',
      ]);
      expect(msgs(readLastRecords(file, 10, { minLevel: 50 }))).to.deep.equal(['record 3', 'record 4']);
      expect(readLastRecords(path.join(dir, 'none.log'), 10)).to.deep.equal([]);
    });

    it('follows the file across a rotation, from its end', async () => {
      const dir = await makeTempDir();
      const file = path.join(dir, 'daemon.log');
      fs.writeFileSync(file, line(0));
      const seen: string[] = [];
      const abort = new AbortController();
      const following = followLogFile(file, (text) => seen.push(text), abort.signal);
      fs.appendFileSync(file, line(1));
      await waitFor(() => seen.length === 1, { what: 'the appended record' });
      fs.appendFileSync(file, line(2));
      fs.renameSync(file, `${file}.1`);
      fs.writeFileSync(file, line(3));
      await waitFor(() => seen.length === 3, { what: 'the records across the rotation' });
      abort.abort();
      await following;
      expect(seen.map((text) => JSON.parse(text).msg)).to.deep.equal(['record 1', 'record 2', 'record 3']);
    });
  });
});
