import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits beside `baseUrl`. Built, that is a .js file; run from the
 * TypeScript sources (tests, bin/dev.js), the worker registers the tsx loader itself first, because on
 * Node 20 a loader given to the parent with --import does not reach worker threads.
 */
export function startModuleWorker(name: string, baseUrl: string): Worker {
  if (!baseUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, baseUrl));
  const moduleUrl = new URL(`./${name}.ts`, baseUrl).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl)}); });`;
  return new Worker(bootstrap, { eval: true });
}
