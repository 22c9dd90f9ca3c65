import path from 'node:path';
import { expect } from 'chai';
import { DestinationLockedError, lockDestination } from '../../src/jobs/destination-lock.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

describe('lockDestination', () => {
  let lockDir: string;
  beforeEach(async () => {
    lockDir = path.join(await makeTempDir(), 'locks');
  });
  afterEach(removeTempDirs);

  it('lets one run hold a destination, refuses a second, and frees it on release', async () => {
    const release = await lockDestination('/backup/docs', lockDir);
    const other = await lockDestination('/backup/photos', lockDir);
    try {
      const second = await lockDestination('/backup/docs/', lockDir).catch((thrown: unknown) => thrown);
      expect(second).to.be.instanceOf(DestinationLockedError);
      expect((second as Error).message).to.include('/backup/docs is being written by another run');
    } finally {
      await release();
      await other();
    }
    const again = await lockDestination('/backup/docs', lockDir);
    await again();
  });
});
