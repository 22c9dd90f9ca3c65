import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { RotatingLogFile } from '../../src/telemetry/rotating-log-file.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

/** Every line of the log file and its rotated files, oldest file first. */
function readAllLines(file: string): { lines: string[]; sizes: number[] } {
  const files = [file];
  for (let index = 1; fs.existsSync(`${file}.${index}`); index++) files.unshift(`${file}.${index}`);
  const lines: string[] = [];
  const sizes: number[] = [];
  for (const name of files) {
    const text = fs.readFileSync(name, 'utf8');
    sizes.push(Buffer.byteLength(text));
    expect(text === '' || text.endsWith('\n'), `${name} ends with a whole record`).to.equal(true);
    lines.push(...text.split('\n').filter(Boolean));
  }
  return { lines, sizes };
}

describe('the rotating log file', () => {
  afterEach(removeTempDirs);

  it('rotates a burst of 100,000 records, losing and duplicating none, never past its size', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'logs', 'daemon.log');
    const log = new RotatingLogFile({ path: file, maxBytes: 256 * 1024, maxFiles: 100 });
    const total = 100_000;
    for (let seq = 0; seq < total; seq++) {
      log.write(JSON.stringify({ seq, msg: `record ${seq} ${'é'.repeat(seq % 7)}` }));
      // Bursts across ticks, as a busy daemon logs them.
      if (seq % 10_000 === 9999) await new Promise((resolve) => setImmediate(resolve));
    }
    log.close();
    const { lines, sizes } = readAllLines(file);
    const seqs = lines.map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(seqs).to.have.length(total);
    expect(
      seqs.every((seq, index) => seq === index),
      'every record once, in order',
    ).to.equal(true);
    expect(sizes.length).to.be.greaterThan(10);
    expect(Math.max(...sizes)).to.be.at.most(256 * 1024);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('writes a burst larger than its holding bound at once on a healthy disk, dropping nothing', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'daemon.log');
    const problems: unknown[] = [];
    const log = new RotatingLogFile({
      path: file,
      maxBytes: 1024 * 1024,
      maxFiles: 5,
      maxPendingBytes: 10_000,
      onProblem: (...args) => problems.push(args),
    });
    for (let seq = 0; seq < 5000; seq++) log.write(`record ${seq}`);
    log.close();
    expect(readAllLines(file).lines).to.have.length(5000);
    expect(problems).to.deep.equal([]);
  });

  it('keeps log_max_files rotated files, the oldest removed, and a record larger than the limit whole', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'daemon.log');
    const log = new RotatingLogFile({ path: file, maxBytes: 100, maxFiles: 2 });
    for (let seq = 0; seq < 10; seq++) log.write(`${String(seq).padStart(2, '0')} ${'x'.repeat(40)}`);
    log.write(`big ${'y'.repeat(300)}`);
    log.write('last');
    log.close();
    expect(fs.existsSync(`${file}.3`)).to.equal(false);
    expect(fs.readFileSync(file, 'utf8')).to.equal('last\n');
    expect(fs.readFileSync(`${file}.1`, 'utf8')).to.equal(`big ${'y'.repeat(300)}\n`);
    expect(fs.readFileSync(`${file}.2`, 'utf8')).to.match(/^08 x+\n09 x+\n$/);
  });

  it('reports a file it cannot write once, keeps the records, and writes them when it can', async () => {
    const dir = await makeTempDir();
    // The log folder's place is taken by a file: every open fails (ENOTDIR), as root too.
    const folder = path.join(dir, 'logs');
    fs.writeFileSync(folder, 'not a folder');
    const problems: (string | undefined)[] = [];
    const log = new RotatingLogFile({
      path: path.join(folder, 'daemon.log'),
      maxBytes: 1024 * 1024,
      maxFiles: 1,
      retryMs: 20,
      onProblem: (problem) => problems.push(problem),
    });
    log.write('first');
    log.flush();
    log.write('second');
    log.flush();
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include(path.join(folder, 'daemon.log')).and.include('cannot be written');
    expect(log.problem).to.be.a('string');
    fs.rmSync(folder);
    await waitFor(() => problems.length === 2, { what: 'the retry to succeed' });
    expect(problems[1]).to.equal(undefined);
    expect(log.problem).to.equal(undefined);
    log.close();
    expect(fs.readFileSync(path.join(folder, 'daemon.log'), 'utf8')).to.equal('first\nsecond\n');
  });

  it('drops the oldest held records past its bound, and says how many', async () => {
    const dir = await makeTempDir();
    const folder = path.join(dir, 'logs');
    fs.writeFileSync(folder, 'not a folder');
    const dropped: number[] = [];
    const log = new RotatingLogFile({
      path: path.join(folder, 'daemon.log'),
      maxBytes: 1024 * 1024,
      maxFiles: 1,
      retryMs: 20,
      maxPendingBytes: 1000,
      onProblem: (problem, count) => {
        if (!problem) dropped.push(count);
      },
    });
    for (let seq = 0; seq < 100; seq++) log.write(`record ${String(seq).padStart(3, '0')}`);
    log.flush();
    fs.rmSync(folder);
    await waitFor(() => dropped.length === 1, { what: 'the retry to succeed' });
    log.close();
    const lines = fs.readFileSync(path.join(folder, 'daemon.log'), 'utf8').trim().split('\n');
    expect(dropped[0]).to.be.greaterThan(0);
    expect(lines.length + (dropped[0] ?? 0)).to.equal(100);
    expect(lines.at(-1)).to.equal('record 099');
  });

  it('starts a new file when its own was deleted or moved away by someone else', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'logs', 'daemon.log');
    const log = new RotatingLogFile({ path: file, maxBytes: 1024 * 1024, maxFiles: 1 });
    log.write('before');
    log.flush();
    fs.rmSync(path.join(dir, 'logs'), { recursive: true });
    // The file is checked at most once a second: records written before then go to the deleted file.
    await waitFor(
      () => {
        log.write('after');
        log.flush();
        return fs.existsSync(file);
      },
      { what: 'a new log file', timeoutMs: 5000, intervalMs: 200 },
    );
    log.close();
    expect(fs.readFileSync(file, 'utf8')).to.match(/^(after\n)+$/);
  });
});
