import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import { buildSyncRequest } from '../../src/jobs/build-sync-request.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// sync_options.source_marker (issue 8, item 1): off by default, a plain file name, passed to the engine.
describe('sync_options.source_marker', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(removeTempDirs);

  async function load(options: string) {
    const file = path.join(dir, 'config.toml');
    const jobText = '[[sync_jobs]]\nid = "a"\nsource_path = "/data"\ndestination_path = "/mirror"\n';
    await fs.writeFile(file, `${jobText}[sync_jobs.sync_options]\n${options}\n`, { mode: 0o600 });
    const { config } = await loadConfigFile(file, {});
    const job = config.sync_jobs[0];
    if (!job) throw new Error('the job did not load');
    return { config, job };
  }

  it('is off by default and reaches the engine request when set', async () => {
    const without = await load('');
    expect(without.job.sync_options.source_marker).to.equal(undefined);
    expect(buildSyncRequest(without.config, without.job)).to.not.have.property('sourceMarker');

    const { config, job } = await load('source_marker = ".sync-source"');
    expect(buildSyncRequest(config, job).sourceMarker).to.equal('.sync-source');
  });

  for (const bad of ['../outside', 'sub/marker', '..']) {
    it(`refuses ${JSON.stringify(bad)}, naming the key`, async () => {
      const error = await load(`source_marker = ${JSON.stringify(bad)}`).catch((thrown: unknown) => thrown);
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).message)
        .to.include('source_marker')
        .and.include('a file name');
    });
  }
});
