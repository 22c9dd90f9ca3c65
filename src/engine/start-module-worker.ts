import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits beside `baseUrl`. Built, that is a .js file; run from the
 * TypeScript sources (tests, bin/dev.js), the worker registers the tsx loader itself first, because on
 * Node 20 a loader given to the parent with --import does not reach worker threads.
 */
export function startModuleWorker(
  name: string,
  baseUrl: string,
  resourceLimits: ResourceLimits = HELPER_LIMITS,
): Worker {
  if (!baseUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, baseUrl), { resourceLimits });
  const moduleUrl = new URL(`./${name}.ts`, baseUrl).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl)}); });`;
  return new Worker(bootstrap, { eval: true, resourceLimits });
}

// Workers hold one folder's listing or one batch at a time: a small young generation keeps each thread's
// memory near its baseline (the daemon budgets ~50 MB per runner) at little cost in collections.
const HELPER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };
