import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { listTree, makeSyncRequest, syncAndCollect } from '../helpers/sync-helpers.js';
import { makeSyncTrees, removeTempDirs, writeTree } from '../helpers/temp-dir.js';

interface FilterCase {
  title: string;
  filters: string[];
  ignoreHiddenFiles?: boolean;
  source: string[];
  /** Destination-only files the filter excludes: a run with deleteExtraneous must leave them alone. */
  excludedInDestination: string[];
  /** The destination after the run, folders with a trailing "/". */
  expected: string[];
}

// gitignore patterns with rsync's rule: a slash in the middle matches at any depth unless the pattern starts
// with "/". Each case also has `stale.txt` in the destination only, which the run must delete, so that the
// survival of excluded destination files proves exclusion and not a deletion that did not run.
const CASES: FilterCase[] = [
  {
    title: '*.tmp excludes at any depth',
    filters: ['*.tmp'],
    source: ['a.tmp', 'keep.txt', 'sub/b.tmp', 'sub/deep/c.tmp', 'sub/x.txt', 'tmp.txt'],
    excludedInDestination: ['old.tmp', 'sub/old.tmp'],
    expected: ['keep.txt', 'old.tmp', 'sub/', 'sub/deep/', 'sub/old.tmp', 'sub/x.txt', 'tmp.txt'],
  },
  {
    title: '.git/* excludes the content of every .git folder, at the root and nested',
    filters: ['.git/*'],
    source: ['.git/config', '.git/objects/ab', 'sub/.git/HEAD', 'sub/file.txt', 'git.txt'],
    excludedInDestination: ['.git/index', 'sub/.git/old/ref'],
    expected: [
      '.git/',
      '.git/index',
      'git.txt',
      'sub/',
      'sub/.git/',
      'sub/.git/old/',
      'sub/.git/old/ref',
      'sub/file.txt',
    ],
  },
  {
    title: '.git/ excludes .git folders themselves, not a file named .git',
    filters: ['.git/'],
    source: ['.git/config', 'sub/.git/HEAD', 'sub/keep.txt', 'submodule/.git'],
    excludedInDestination: ['.git/index', 'sub/.git/old'],
    expected: [
      '.git/',
      '.git/index',
      'sub/',
      'sub/.git/',
      'sub/.git/old',
      'sub/keep.txt',
      'submodule/',
      'submodule/.git',
    ],
  },
  {
    title: '/build excludes only the top-level build',
    filters: ['/build'],
    source: ['build/out.js', 'sub/build/keep.js', 'builder.txt'],
    excludedInDestination: ['build/old.js'],
    expected: ['build/', 'build/old.js', 'builder.txt', 'sub/', 'sub/build/', 'sub/build/keep.js'],
  },
  {
    title: '**/cache/** excludes the content of cache folders at any depth',
    filters: ['**/cache/**'],
    source: ['cache/a', 'x/cache/b', 'x/cache/deep/c', 'x/cached.txt', 'cache.txt'],
    excludedInDestination: ['x/cache/old'],
    expected: ['cache/', 'cache.txt', 'x/', 'x/cache/', 'x/cache/old', 'x/cached.txt'],
  },
  {
    title: '!keep.tmp after *.tmp includes keep.tmp again, at any depth',
    filters: ['*.tmp', '!keep.tmp'],
    source: ['a.tmp', 'keep.tmp', 'sub/keep.tmp', 'sub/b.tmp'],
    excludedInDestination: ['old.tmp'],
    expected: ['keep.tmp', 'old.tmp', 'sub/', 'sub/keep.tmp'],
  },
  {
    title: 'a pattern with a slash in the middle matches at any depth',
    filters: ['docs/*.md'],
    source: ['docs/a.md', 'sub/docs/b.md', 'sub/docs/c.txt', 'a.md'],
    excludedInDestination: ['sub/docs/old.md'],
    expected: ['a.md', 'docs/', 'sub/', 'sub/docs/', 'sub/docs/c.txt', 'sub/docs/old.md'],
  },
  {
    title: 'ignoreHiddenFiles skips dotfiles and dot-folders',
    filters: [],
    ignoreHiddenFiles: true,
    source: ['.hidden', '.dir/inside.txt', 'sub/.profile', 'sub/visible.txt', 'visible.txt'],
    excludedInDestination: ['.old', '.old-dir/x'],
    expected: ['.old', '.old-dir/', '.old-dir/x', 'sub/', 'sub/visible.txt', 'visible.txt'],
  },
];

describe('runSync filters', () => {
  let source: string;
  let destination: string;
  beforeEach(async () => {
    ({ source, destination } = await makeSyncTrees());
  });
  afterEach(removeTempDirs);

  for (const testCase of CASES) {
    it(testCase.title, async () => {
      await writeTree(source, Object.fromEntries(testCase.source.map((file) => [file, file])));
      await writeTree(
        destination,
        Object.fromEntries([...testCase.excludedInDestination, 'stale.txt'].map((file) => [file, 'old'])),
      );

      const { result, plan } = await syncAndCollect(
        makeSyncRequest(source, destination, {
          filters: testCase.filters,
          ignoreHiddenFiles: testCase.ignoreHiddenFiles ?? false,
          deleteExtraneous: true,
        }),
      );

      expect(result.errors).to.deep.equal([]);
      expect(result.outcome).to.equal('ok');
      expect(listTree(destination)).to.deep.equal([...testCase.expected].sort());
      expect(plan.filter((entry) => entry.action === 'delete').map((entry) => entry.path)).to.deep.equal([
        'stale.txt',
      ]);
      expect(result.stats.excluded).to.be.greaterThan(0);
    });
  }

  it('leaves excluded destination files alone on a dry run too', async () => {
    await writeTree(source, { 'a.txt': 'a' });
    await writeTree(destination, { 'old.tmp': 'old' });

    const { plan } = await syncAndCollect(
      makeSyncRequest(source, destination, { filters: ['*.tmp'], deleteExtraneous: true, dryRun: true }),
    );

    expect(plan.map((entry) => `${entry.action} ${entry.path}`)).to.deep.equal(['copy a.txt']);
    expect(fs.readFileSync(path.join(destination, 'old.tmp'), 'utf8')).to.equal('old');
  });
});
