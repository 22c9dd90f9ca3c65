// Review of issue 12 (the fleet): failing tests for problems found. No PocketBase server needed.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { FleetReporter } from '../../src/pocketbase/fleet-reporter.js';
import { recordId } from '../../src/pocketbase/record-id.js';
import { type SpooledRecord, UploadSpool } from '../../src/pocketbase/upload-spool.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';
import { captureLogger, settings } from './review-helpers.js';

const record = (n: number): SpooledRecord => ({
  collection: 'daemon_logs',
  body: { id: recordId('log', 'host', String(n)), message: `record ${n}` },
});
const messages = (records: readonly SpooledRecord[]) => records.map((item) => item.body.message);

describe('fleet review: problems found', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(removeTempDirs);

  it('never hands a new segment the stale cursor of a removed one with the same number', () => {
    const spoolDir = path.join(dir, 'spool');
    const spool = UploadSpool.open(spoolDir, { maxRecords: 100 });
    for (let n = 0; n < 5; n++) spool.append(record(n));
    const lease = spool.take(3);
    spool.ack(lease as NonNullable<typeof lease>); // cursor.json: segment 1, line 3
    // The rest is delivered: ack removes segment 1, then the daemon is SIGKILLed (or the disk is full) before
    // cursor.json is rewritten: cursor.json still says segment 1, line 3.
    fs.rmSync(path.join(spoolDir, '000000000001.jsonl'));
    // Restarted: no segment left, so numbering starts again at 1.
    const second = UploadSpool.open(spoolDir, { maxRecords: 100 });
    for (let n = 10; n < 15; n++) second.append(record(n));
    // Killed again before any upload: the next daemon applies the stale cursor to the new segment 1.
    const third = UploadSpool.open(spoolDir, { maxRecords: 100 });
    expect(third.pending, 'records 10..14 all still pending').to.equal(5);
    expect(messages(third.take(10)?.records ?? [])).to.deep.equal([
      'record 10',
      'record 11',
      'record 12',
      'record 13',
      'record 14',
    ]);
  });

  it('a record appended after a short (torn) write is not lost', () => {
    // appendFileSync that fails part way (ENOSPC) leaves half a line; the next append lands on the same line.
    const spoolDir = path.join(dir, 'spool');
    const spool = UploadSpool.open(spoolDir, { maxRecords: 100 });
    spool.append(record(0));
    fs.appendFileSync(path.join(spoolDir, '000000000001.jsonl'), '{"c":"daemon_logs","r":{"id":"ab');
    spool.append(record(1));
    expect(messages(spool.take(10)?.records ?? [])).to.deep.equal(['record 0', 'record 1']);
  });

  it('keeps handing out the next segment when deleting a delivered one fails (Windows: EBUSY/EPERM)', () => {
    const spoolDir = path.join(dir, 'spool');
    const spool = UploadSpool.open(spoolDir, { maxRecords: 20 }); // 2 records per segment
    for (let n = 0; n < 4; n++) spool.append(record(n));
    const lease = spool.take(10);
    // The segment cannot be removed (here: a folder in its place makes rmSync throw, as a locked file would).
    const first = path.join(spoolDir, '000000000001.jsonl');
    fs.rmSync(first);
    fs.mkdirSync(path.join(first, 'x'), { recursive: true });
    expect(() => spool.ack(lease as NonNullable<typeof lease>)).to.throw();
    expect(messages(spool.take(10)?.records ?? [])).to.deep.equal(['record 2', 'record 3']);
  });

  it('says "upload spool full" once even when two drops happen in the same tick', async () => {
    const { logger, records } = captureLogger();
    const reporter = new FleetReporter({
      settings: settings('http://127.0.0.1:9', { spool_max_records: 20 }),
      url: 'http://127.0.0.1:9',
      host: 'review',
      cacheDir: dir,
      version: '0',
      startedAt: new Date(),
      logger,
      jobs: () => [],
    });
    // 50 records logged in one go (a burst: many runs ending at once, a runner crash loop...).
    for (let n = 0; n < 50; n++)
      reporter.log(30, JSON.stringify({ level: 30, msg: `m${n}`, time: new Date().toISOString() }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reporter.status().dropped).to.be.above(0);
    expect(records.filter((r) => /upload spool full/.test(String(r.msg)))).to.have.length(1);
    await reporter.close({ stopped: false });
  });

  it('closes within a few seconds when the server accepts connections but never answers', async function () {
    this.timeout(90_000);
    const sockets: net.Socket[] = [];
    const blackhole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
    const { logger } = captureLogger();
    const reporter = new FleetReporter({
      settings: settings(url, { timeout_secs: 20 }),
      url,
      host: 'review',
      cacheDir: dir,
      version: '0',
      startedAt: new Date(),
      logger,
      jobs: () => [],
    });
    try {
      reporter.start();
      reporter.log(30, JSON.stringify({ level: 30, msg: 'hello', time: new Date().toISOString() }));
      await new Promise((resolve) => setTimeout(resolve, 500)); // the upload is out (signing in)
      const started = Date.now();
      await reporter.close({ stopped: true });
      const tookMs = Date.now() - started;
      // CLOSE_UPLOAD_MS is 3 s, plus 3 s for the last heartbeat; session.drop() is said to cancel the rest.
      expect(tookMs, `close took ${tookMs} ms`).to.be.below(7_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackhole.close();
    }
  });
});
