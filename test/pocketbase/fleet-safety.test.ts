import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { logRecord } from '../../src/pocketbase/fleet-records.js';
import { FleetReporter } from '../../src/pocketbase/fleet-reporter.js';
import { recordId } from '../../src/pocketbase/record-id.js';
import { type SpooledRecord, UploadSpool } from '../../src/pocketbase/upload-spool.js';
import { captureLogger, reporterOptions } from '../helpers/fleet-reporter-helpers.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const record = (n: number): SpooledRecord => ({
  collection: 'daemon_logs',
  body: { id: recordId('log', 'host', String(n)), message: `record ${n}` },
});
const messages = (records: readonly SpooledRecord[]) => records.map((item) => item.body.message);

describe('the fleet’s spool and reporter where things go wrong (no server)', () => {
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

  it('cuts back a write that failed half way (a full disk), so the next record is not lost with it', () => {
    const spoolDir = path.join(dir, 'spool');
    const spool = UploadSpool.open(spoolDir, { maxRecords: 100 });
    spool.append(record(0));
    const append = fs.appendFileSync;
    // ENOSPC part way: half the line is written, then the call throws.
    fs.appendFileSync = ((file: fs.PathOrFileDescriptor, data: string | Uint8Array) => {
      append(file, data.slice(0, 10));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as typeof fs.appendFileSync;
    try {
      expect(() => spool.append(record(1))).to.throw(/ENOSPC/);
    } finally {
      fs.appendFileSync = append;
    }
    expect(spool.dropped, 'the record that could not be written').to.equal(1);
    spool.append(record(2));
    expect(messages(spool.take(10)?.records ?? [])).to.deep.equal(['record 0', 'record 2']);
    expect(UploadSpool.open(spoolDir, { maxRecords: 100 }).pending).to.equal(2);
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
    spool.ack(lease as NonNullable<typeof lease>);
    expect(messages(spool.take(10)?.records ?? [])).to.deep.equal(['record 2', 'record 3']);
    // The next daemon removes it: it lies below the cursor.
    fs.rmSync(first, { recursive: true });
    fs.writeFileSync(first, '{"c":"daemon_logs","r":{"id":"stale"}}\n');
    const reopened = UploadSpool.open(spoolDir, { maxRecords: 20 });
    expect(reopened.pending).to.equal(2);
    expect(fs.existsSync(first)).to.equal(false);
  });

  it('says "upload spool full" once, even when two drops happen in the same tick', async () => {
    const { logger, records } = captureLogger();
    const reporter = await FleetReporter.open(
      reporterOptions('http://127.0.0.1:9', dir, { logger, settings: { spool_max_records: 20 } }),
    );
    // 50 records logged in one go (a burst: many runs ending at once, a runner crash loop...).
    for (let n = 0; n < 50; n++)
      reporter.log(30, JSON.stringify({ level: 30, msg: `m${n}`, time: new Date().toISOString() }));
    // The drops are told on the next turns of the event loop.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(reporter.status().dropped).to.be.above(0);
    expect(records.filter((r) => /upload spool full/.test(String(r.msg)))).to.have.length(1);
    await reporter.close({ stopped: false });
  });

  it('opens a spool for one daemon at a time, and says which folder to change', async () => {
    const options = reporterOptions('http://127.0.0.1:9', dir, { host: 'first' });
    const first = await FleetReporter.open(options);
    const refused = await FleetReporter.open({ ...options, host: 'second' }).then(
      () => 'opened',
      (error: Error) => error.message,
    );
    expect(refused).to.match(
      /upload spool .*pocketbase-spool is in use by another daemon; give each daemon its own cache\.cache_dir/,
    );
    await first.close({ stopped: false });
    await (await FleetReporter.open({ ...options, host: 'second' })).close({ stopped: false });
  });

  it('keeps a log record’s fields within bounds (the full record stays in the log file)', () => {
    const big = 'x'.repeat(20_000);
    const record = logRecord(
      'h',
      'o',
      1,
      JSON.stringify({ level: 30, msg: 'm', time: 't', files: [big], job: 'j' }),
    );
    expect(record?.body.fields).to.deep.equal({
      omitted: "20014 characters of fields, kept in the daemon's log file",
      names: ['files'],
    });
  });

  it('closes within seconds when the server takes connections but never answers', async function () {
    this.timeout(90_000);
    const sockets: net.Socket[] = [];
    const blackhole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
    const { logger } = captureLogger();
    const reporter = await FleetReporter.open(
      reporterOptions(url, dir, { logger, settings: { timeout_secs: 20 } }),
    );
    try {
      reporter.start();
      reporter.log(30, JSON.stringify({ level: 30, msg: 'hello', time: new Date().toISOString() }));
      await waitFor(() => sockets.length > 0, { what: 'the upload to be out (signing in)', timeoutMs: 5000 });
      const started = Date.now();
      await reporter.close({ stopped: true });
      const tookMs = Date.now() - started;
      // 3 s for the last upload and heartbeat together, then every request is aborted.
      expect(tookMs, `close took ${tookMs} ms`).to.be.below(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackhole.close();
    }
  });
});
