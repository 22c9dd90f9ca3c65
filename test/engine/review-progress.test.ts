import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { watchFileGrowth } from '../../src/engine/watch-file-growth.js';
import { waitFor } from '../helpers/sync-helpers.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

// Review of issue 8, item 11: the watch of a large copy runs on a timer, where a throw would end the process.
describe('engine review: watching a large copy grow', () => {
  afterEach(removeTempDirs);

  it('survives a watched path whose folder is replaced by a file (ENOTDIR), and goes on watching', async () => {
    const dir = await makeTempDir();
    const folder = path.join(dir, 'sub');
    // Another process put a file where the copy's folder was: stat says ENOTDIR, not ENOENT.
    fs.writeFileSync(folder, 'not a folder');
    const grown: number[] = [];
    const statCalls = sinon.spy(fs, 'statSync');
    const stop = watchFileGrowth(path.join(folder, 'copy.tmp'), (bytes) => grown.push(bytes));
    try {
      // The watch tried the path at least once while it could not be read.
      await waitFor(
        () => statCalls.exceptions.some((error) => (error as NodeJS.ErrnoException)?.code === 'ENOTDIR'),
        {
          what: 'a tick that met ENOTDIR',
        },
      );
      fs.rmSync(folder);
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, 'copy.tmp'), Buffer.alloc(10));
      await waitFor(() => grown.length > 0, { what: 'growth reported once the path is readable again' });
      expect(grown).to.deep.equal([10]);
    } finally {
      stop();
      statCalls.restore();
    }
  });
});
