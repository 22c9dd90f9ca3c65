// Bundles what must start fast into dist/fast/: the fast paths of the CLI (dist/cli/fast-cli.js), the daemon's own
// process (runners/supervisor.js), a runner (runners/sync-runner.js) and its engine thread. Each then loads a
// few files instead of dozens of modules (each costs a resolution, a read and a compile): the daemon's start-up
// fell from ~180 to ~100 ms of CPU, the engine thread's from ~120 to ~75 ms (issue 9's start-up sync).
// Whatever a command loads only on demand (the config validator, the one-shot run) is split into chunks of its
// own, so `status` never parses it; shared modules land in shared chunks, so every class has one copy and
// `instanceof` holds across them. The engine comes in too (the one-shot run: ~25 modules and a CommonJS package,
// ~175 ms of CPU unbundled): it starts its worker threads from files named relative to its own module, so those
// workers are entry points here, beside the chunks (dist/fast/install-worker.js). Packages loaded on demand stay
// outside (see keepOutside).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'fast');
const engine = path.join(root, 'dist', 'engine');

const keepOutside = {
  name: 'keep-outside',
  setup(bundle) {
    // A package loaded on demand is left to Node: a bundled chunk of a CommonJS package would export only its
    // default, where Node also gives its named exports (cli-progress, yaml).
    bundle.onResolve({ filter: /^[^./]/ }, ({ path: specifier, kind }) =>
      kind === 'dynamic-import' ? { path: specifier, external: true } : undefined,
    );
  },
};

await build({
  entryPoints: {
    'fast-cli': path.join(root, 'dist', 'cli', 'fast-cli.js'),
    'daemon-main': path.join(root, 'dist', 'cli', 'daemon-main.js'),
    'start-runner-process': path.join(root, 'dist', 'runner', 'start-runner-process.js'),
    'engine-thread': path.join(root, 'dist', 'runner', 'engine-thread.js'),
    'install-worker': path.join(engine, 'install-worker.js'),
    'list-folders-worker': path.join(engine, 'list-folders-worker.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [keepOutside],
  // Native modules find their binaries beside their own files; bunyan's optional ones are tried and may be absent.
  external: ['@parcel/watcher', 'fsevents', 'dtrace-provider', 'mv', 'safe-json-stringify'],
  logLevel: 'warning',
  // Packages written as CommonJS call require(); an ESM bundle has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
