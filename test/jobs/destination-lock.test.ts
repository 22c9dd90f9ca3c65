import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';
import { DestinationLockedError, lockDestination } from '../../src/jobs/destination-lock.js';
import { FIXTURES } from '../helpers/daemon.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

/** Another process taking the lock on command (test/fixtures/lock-contender.ts). */
class Contender {
  private readonly answers: string[] = [];
  private readonly waiters: ((answer: string) => void)[] = [];
  readonly exited: Promise<void>;

  constructor(
    lockDir: string,
    destination: string,
    readonly child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(FIXTURES, 'lock-contender.ts'), lockDir, destination],
      { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  ) {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.answers.push(line);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  ask(command: string): Promise<string> {
    this.child.stdin?.write(`${command}\n`);
    const answer = this.answers.shift();
    return answer !== undefined
      ? Promise.resolve(answer)
      : new Promise((resolve) => this.waiters.push(resolve));
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** The holder record(s) in the lock folder, by file: the test reads and edits them as a crash or pid reuse would. */
function holderRecords(
  lockDir: string,
): { file: string; record: { pid: number } & Record<string, unknown> }[] {
  return fs
    .readdirSync(lockDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .map((file) => ({ file, record: JSON.parse(fs.readFileSync(file, 'utf8')) }));
}

describe('lockDestination', function () {
  this.timeout(60_000);
  this.slow(20_000);
  let lockDir: string;
  const contenders: Contender[] = [];
  beforeEach(async () => {
    lockDir = path.join(await makeTempDir(), 'locks');
  });
  afterEach(async () => {
    await Promise.all(contenders.splice(0).map((contender) => contender.kill()));
    await removeTempDirs();
  });

  function contender(destination: string): Contender {
    const started = new Contender(lockDir, destination);
    contenders.push(started);
    return started;
  }

  async function refusal(destination: string): Promise<unknown> {
    return lockDestination(destination, lockDir).then(
      async (release) => {
        await release();
        return undefined;
      },
      (error: unknown) => error,
    );
  }

  it('lets one run hold a destination, refuses a second, and frees it on release', async () => {
    const release = await lockDestination('/backup/docs', lockDir);
    const other = await lockDestination('/backup/photos', lockDir);
    try {
      const second = await lockDestination('/backup/docs/', lockDir).catch((thrown: unknown) => thrown);
      expect(second).to.be.instanceOf(DestinationLockedError);
      expect((second as Error).message).to.include('/backup/docs is being written by another run');
      expect((second as Error).message).to.include(`pid ${process.pid}`);
    } finally {
      await release();
      await other();
    }
    const again = await lockDestination('/backup/docs', lockDir);
    await again();
  });

  it('keeps the lock of a holder whose thread blocks for 15 s: another process is refused all along', async () => {
    const holder = contender('/backup/docs');
    expect(await holder.ask('hold')).to.equal('won');
    const blockedAt = Date.now();
    const blocked = holder.ask('block 15000');
    let unblocked = false;
    void blocked.then(() => {
      unblocked = true;
    });
    // Past the 10 s after which a lock without refresh used to go stale, and on until the holder wakes.
    let attempts = 0;
    while (!unblocked) {
      expect(await refusal('/backup/docs'), `attempt ${++attempts}`).to.be.instanceOf(DestinationLockedError);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(Date.now() - blockedAt, 'refused past the old 10 s staleness').to.be.greaterThan(12_000);
    expect(await holder.ask('release')).to.equal('released');
    expect(await refusal('/backup/docs'), 'free once released').to.equal(undefined);
  });

  it('takes the lock of a holder killed with SIGKILL at once', async () => {
    const holder = contender('/backup/docs');
    expect(await holder.ask('hold')).to.equal('won');
    expect(await refusal('/backup/docs')).to.be.instanceOf(DestinationLockedError);
    await holder.kill();
    expect(await refusal('/backup/docs')).to.equal(undefined);
  });

  it('takes a lock whose pid now belongs to another process (its start time differs)', async () => {
    const holder = contender('/backup/docs');
    expect(await holder.ask('hold')).to.equal('won');
    await holder.kill();
    const [held] = holderRecords(lockDir);
    if (!held) throw new Error('no holder record');
    // The dead holder's pid reused by a live process: this test's own.
    fs.writeFileSync(held.file, JSON.stringify({ ...held.record, pid: process.pid }));
    expect(await refusal('/backup/docs')).to.equal(undefined);
  });

  it('removes the staging folder a process left when it died before taking the lock, and no other', async () => {
    const dead = contender('/backup/elsewhere');
    await dead.kill();
    const release = await lockDestination('/backup/docs', lockDir);
    const lockName = fs.readdirSync(lockDir).find((name) => name.endsWith('.lock')) as string;
    await release();
    const abandoned = path.join(lockDir, `${lockName}.${dead.child.pid}-0a0a.tmp`);
    const live = path.join(lockDir, `${lockName}.${process.pid}-0b0b.tmp`);
    for (const folder of [abandoned, live]) fs.mkdirSync(folder);
    await (await lockDestination('/backup/docs', lockDir))();
    expect(fs.existsSync(abandoned), 'a dead process’s staging folder').to.equal(false);
    expect(fs.existsSync(live), 'a live process’s staging folder').to.equal(true);
  });

  it('lets exactly one of two processes breaking the same stale lock at once win, every time', async () => {
    const first = contender('/backup/docs');
    const second = contender('/backup/docs');
    const dead = contender('/backup/elsewhere');
    expect(await dead.ask('hold')).to.equal('won');
    await dead.kill();
    const deadPid = dead.child.pid as number;
    for (let round = 0; round < 30; round++) {
      // A stale lock: held here, then its record made a dead process's.
      await lockDestination('/backup/docs', lockDir);
      const held = holderRecords(lockDir).find(({ record }) => record.pid === process.pid);
      if (!held) throw new Error('no holder record');
      fs.writeFileSync(held.file, JSON.stringify({ ...held.record, pid: deadPid }));
      const startAt = Date.now() + 100;
      const answers = await Promise.all([first.ask(`try ${startAt}`), second.ask(`try ${startAt}`)]);
      expect(
        answers.filter((answer) => answer === 'won'),
        `round ${round}: ${answers.join(', ')}`,
      ).to.have.length(1);
      expect(answers.filter((answer) => answer === 'refused DESTINATION_LOCKED')).to.have.length(1);
      await Promise.all([first.ask('release'), second.ask('release')]);
    }
  });
});
