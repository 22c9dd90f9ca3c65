// Bundles the fast paths of the CLI (dist/cli/fast-cli.js and what it imports) into dist/fast/: the hot
// commands then load a few files instead of ~40 modules (each costs a resolution, a read and a compile).
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
  logLevel: 'warning',
  // Packages written as CommonJS call require(); an ESM bundle has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
