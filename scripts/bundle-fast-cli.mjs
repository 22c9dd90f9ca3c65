// Bundles the fast paths of the CLI (dist/cli/fast-cli.js and what it imports) into dist/fast/: the hot
// commands then load a few files instead of ~40 modules (each costs a resolution, a read and a compile).
// Whatever a command loads only on demand (the config validator, the one-shot run) is split into chunks of its
// own, so `status` never parses it; shared modules land in shared chunks, so every class has one copy and
// `instanceof` holds across them. The engine stays in dist/engine: it starts its worker threads from files
// named relative to its own modules; so do the packages loaded on demand (see keepOutside).
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
    bundle.onResolve({ filter: /^\./ }, ({ path: specifier, resolveDir }) => {
      const resolved = path.resolve(resolveDir, specifier);
      if (!resolved.startsWith(`${engine}${path.sep}`)) return undefined;
      return { path: `./${path.relative(outdir, resolved).split(path.sep).join('/')}`, external: true };
    });
  },
};

await build({
  entryPoints: [path.join(root, 'dist', 'cli', 'fast-cli.js')],
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
