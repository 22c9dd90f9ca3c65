// A warm engine in its own process, as a runner is: the bench sends {id, request} over IPC and gets back
// {id, milliseconds, result, maxRssBytes}. Plain JS on the built dist/, so no TypeScript loader is in the way.
import { runSync } from '../dist/engine/run-sync.js';

process.on('message', async ({ id, request }) => {
  const started = performance.now();
  const result = await runSync(request);
  const milliseconds = performance.now() - started;
  process.send({ id, milliseconds, result, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
});
process.on('disconnect', () => process.exit(0));
