import path from 'node:path';
import { expect } from 'chai';
import { type ControlServer, startControlServer } from '../../src/control/control-server.js';
import type { RunReply, RunSummary, TriggerReply } from '../../src/control/daemon-api.js';
import { emptySyncStats } from '../../src/engine/sync-progress-tracker.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// The daemon keeps only the latest dry run's plan of each job. A client that fetches its run after a newer dry
// run replaced that plan gets a summary with no plan: this daemon answers exactly that, over a real socket, to
// the built CLI. (With the long poll this needs a client stalled through a whole later run, so a real daemon
// cannot be brought to it on demand.)
describe('sync --dry-run --wait, when the plan of its run was replaced', function () {
  this.slow(3000);
  let server: ControlServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await removeTempDirs();
  });

  it('says the planned changes are gone and how to see them, and still reports the run', async () => {
    const dir = await makeTempDir();
    const socketPath = path.join(dir, 'run', 'daemon.sock');
    const summary: RunSummary = {
      runId: 'r1',
      reasons: ['manual'],
      dryRun: true,
      outcome: 'ok',
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: 5,
      stats: { ...emptySyncStats(), filesScanned: 3, skipped: 3 },
      errors: [],
      errorsOmitted: 0,
      warnings: [],
    };
    server = await startControlServer(socketPath, {
      trigger: (): TriggerReply => ({ job: 'docs', runId: 'r1', outcome: 'queued' }),
      run: (): RunReply => ({ state: 'done', job: 'docs', runId: 'r1', run: summary }),
    });

    for (const json of [false, true]) {
      const { exitCode, stdout, stderr } = await runCli([
        'sync',
        'docs',
        '--dry-run',
        '--wait',
        '--socket',
        socketPath,
        ...(json ? ['--json'] : []),
      ]);
      expect(exitCode).to.equal(0);
      expect(stderr).to.include(
        'Warning: the planned changes of run r1 are gone: a newer dry run of docs replaced them; ' +
          'run "sync docs --dry-run" again to see them',
      );
      if (json) expect(JSON.parse(stdout)).to.deep.include({ job: 'docs', via: 'daemon', runId: 'r1' });
      else expect(stdout).to.include('3 skipped');
    }
  });
});
