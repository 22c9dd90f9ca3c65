#!/usr/bin/env node
// The hot commands (`--version`, `status`, `sync`) are answered without loading oclif when they can be: see
// fast-cli.ts; keep this list in step with its runFastPath.
const hot = ['--version', 'status', 'sync'].includes(process.argv[2] ?? '');
const answered =
  hot &&
  (await import('../dist/fast/fast-cli.js').then(({ runFastPath }) => runFastPath(process.argv.slice(2))));
if (!answered) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
