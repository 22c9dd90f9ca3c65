import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { recordId } from '../../src/pocketbase/record-id.js';
import { type SpooledRecord, UploadSpool } from '../../src/pocketbase/upload-spool.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const record = (n: number): SpooledRecord => ({
  collection: 'daemon_logs',
  body: { id: recordId('log', 'host', String(n)), message: `record ${n}` },
});
const messages = (records: readonly SpooledRecord[]) => records.map((item) => item.body.message);

describe('the upload spool (records waiting for PocketBase, on disk)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(await makeTempDir(), 'spool');
  });
  afterEach(removeTempDirs);

  it('hands records out oldest first, and an acknowledged lease is gone for good', () => {
    const spool = UploadSpool.open(dir, { maxRecords: 100 });
    for (let n = 0; n < 25; n++) spool.append(record(n));
    expect(spool.pending).to.equal(25);
    const first = spool.take(4);
    expect(messages(first?.records ?? [])).to.deep.equal(['record 0', 'record 1', 'record 2', 'record 3']);
    expect(spool.take(4), 'one lease at a time').to.equal(undefined);
    spool.ack(first as NonNullable<typeof first>);
    expect(spool.pending).to.equal(21);
    const second = spool.take(50);
    // A lease never spans two segment files (10 records each for 100 at most).
    expect(messages(second?.records ?? [])).to.deep.equal(
      Array.from({ length: 6 }, (_, index) => `record ${index + 4}`),
    );
  });

  it('keeps what is not acknowledged across a restart, and a released lease comes back', () => {
    const spool = UploadSpool.open(dir, { maxRecords: 100 });
    for (let n = 0; n < 15; n++) spool.append(record(n));
    const lease = spool.take(5);
    spool.ack(lease as NonNullable<typeof lease>, 2);
    const released = spool.take(5);
    expect(messages(released?.records ?? [])).to.deep.equal([
      'record 2',
      'record 3',
      'record 4',
      'record 5',
      'record 6',
    ]);
    spool.release(released as NonNullable<typeof released>);
    // The daemon killed here: a new one finds the 13 undelivered, the oldest first.
    const reopened = UploadSpool.open(dir, { maxRecords: 100 });
    expect(reopened.pending).to.equal(13);
    expect(messages(reopened.take(1)?.records ?? [])).to.deep.equal(['record 2']);
  });

  it('cuts off a last line written half (a daemon killed mid-write) and appends after it cleanly', () => {
    const spool = UploadSpool.open(dir, { maxRecords: 100 });
    spool.append(record(0));
    const [segment] = fs.readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
    fs.appendFileSync(path.join(dir, segment as string), '{"c":"daemon_logs","r":{"id":"abc');
    const reopened = UploadSpool.open(dir, { maxRecords: 100 });
    reopened.append(record(1));
    expect(reopened.pending).to.equal(2);
    expect(messages(reopened.take(10)?.records ?? [])).to.deep.equal(['record 0', 'record 1']);
  });

  it('past its bound drops the oldest records first, counts them, and says so once per drop', async () => {
    const drops: number[] = [];
    const spool = UploadSpool.open(dir, { maxRecords: 20, onDrop: (count) => drops.push(count) });
    for (let n = 0; n < 50; n++) spool.append(record(n));
    expect(spool.pending).to.be.at.most(20);
    expect(spool.dropped).to.equal(50 - spool.pending);
    await waitFor(() => drops.reduce((sum, count) => sum + count, 0) === spool.dropped, {
      what: 'the drops to be told',
      timeoutMs: 2000,
    });
    const left = [];
    for (let lease = spool.take(100); lease; lease = spool.take(100)) {
      left.push(...messages(lease.records));
      spool.ack(lease);
    }
    expect(left).to.deep.equal(
      Array.from({ length: left.length }, (_, index) => `record ${50 - left.length + index}`),
    );
    expect(spool.pending).to.equal(0);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.jsonl'))).to.deep.equal([]);
  });

  it('counts a lease whose segment was dropped as dropped only if its upload then fails', () => {
    const spool = UploadSpool.open(dir, { maxRecords: 20 });
    for (let n = 0; n < 20; n++) spool.append(record(n));
    const delivered = spool.take(2);
    spool.append(record(20));
    spool.append(record(21));
    // The oldest segment (records 0 and 1) went while its lease was out; it arrived after all.
    spool.ack(delivered as NonNullable<typeof delivered>);
    expect(spool.dropped).to.equal(0);
    const lost = spool.take(2);
    spool.append(record(22));
    spool.append(record(23));
    spool.release(lost as NonNullable<typeof lost>);
    expect(spool.dropped).to.equal(2);
    expect(messages(spool.take(1)?.records ?? [])).to.deep.equal(['record 4']);
  });

  it('derives the same 15-character id from the same parts, and another from others', () => {
    expect(recordId('run', 'nas', 'photos-1')).to.match(/^[a-z0-9]{15}$/);
    expect(recordId('run', 'nas', 'photos-1')).to.equal(recordId('run', 'nas', 'photos-1'));
    expect(recordId('run', 'nas', 'photos-1')).to.not.equal(recordId('run', 'nas2', 'photos-1'));
    expect(recordId('a', 'bc')).to.not.equal(recordId('ab', 'c'));
  });
});
