#!/usr/bin/env node
// `status` is what monitors poll: it is answered without loading oclif when it can be (see fast-status.ts).
const answered =
  process.argv[2] === 'status' &&
  (await import('../dist/cli/fast-status.js').then(({ fastStatus }) => fastStatus(process.argv.slice(3))));
if (!answered) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
