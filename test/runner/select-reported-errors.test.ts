import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { SyncFileError } from '../../src/engine/types.js';
import { folderOnEitherSide, selectReportedErrors } from '../../src/runner/select-reported-errors.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

const fileError = (index: number): SyncFileError => ({
  path: `files/f${index}.txt`,
  code: 'ENOENT',
  message: 'vanished during the run',
});

describe('the errors a run reports', () => {
  afterEach(removeTempDirs);

  it('keeps the first 20', () => {
    const errors = Array.from({ length: 100 }, (_, index) => fileError(index));
    expect(selectReportedErrors(errors, () => false)).to.deep.equal(errors.slice(0, 20));
  });

  it('puts run-level and folder-level errors first, however late they came', () => {
    const folder = { path: 'photos/2024', code: 'EACCES', message: 'permission denied' };
    const run = { path: '', code: 'MAX_DELETE', message: 'too many deletions' };
    const errors = [...Array.from({ length: 100 }, (_, index) => fileError(index)), folder, run];
    const kept = selectReportedErrors(errors, (at) => at === 'photos/2024');
    expect(kept.slice(0, 2)).to.deep.equal([run, folder]);
    expect(kept.slice(2)).to.deep.equal(errors.slice(0, 18));
    expect(kept).to.have.length(20);
  });

  it('reports every error when there are few', () => {
    const errors = [fileError(1), fileError(2)];
    expect(selectReportedErrors(errors, () => false)).to.deep.equal(errors);
  });

  it('knows a folder by what either tree holds at its path', async () => {
    const dir = await makeTempDir();
    fs.mkdirSync(path.join(dir, 'source', 'only-in-source'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'mirror', 'only-in-mirror'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'source', 'file.txt'), '');
    const isFolder = folderOnEitherSide(path.join(dir, 'source'), path.join(dir, 'mirror'));
    expect(['only-in-source', 'only-in-mirror', 'file.txt', 'gone'].map(isFolder)).to.deep.equal([
      true,
      true,
      false,
      false,
    ]);
  });
});
