import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../helpers/run-cli.js';

// DESIGN.md's boxes and STYLE.md rule 2, read from the import statements themselves: a layer that reaches up
// (a library into the CLI, the protocol into the supervisor, a runner into supervisor code) fails here.
const SRC = path.join(PROJECT_ROOT, 'src');

describe('layering', () => {
  it('no library under src/ imports the CLI (src/cli, src/commands)', () => {
    const upward = importsAcross(
      (from) => !isIn(from, 'cli', 'commands'),
      (to) => isIn(to, 'cli', 'commands'),
    );
    expect(upward).to.deep.equal([]);
  });

  it('the control protocol owns its names: src/control imports nothing from src/supervisor', () => {
    expect(
      importsAcross(
        (from) => isIn(from, 'control'),
        (to) => isIn(to, 'supervisor'),
      ),
    ).to.deep.equal([]);
  });

  it('the engine is a pure library: src/engine imports only itself and src/util', () => {
    expect(
      importsAcross(
        (from) => isIn(from, 'engine'),
        (to) => !isIn(to, 'engine', 'util'),
      ),
    ).to.deep.equal([]);
  });

  it('a runner process loads no supervisor, control, scheduler or CLI code (STYLE.md rule 2)', () => {
    const entry = resolveImport(
      path.join(PROJECT_ROOT, 'runners', 'sync-runner.js'),
      '../dist/runner/start-runner-process.js',
    );
    const reachable = reachableFrom(entry);
    // The closure really reaches the engine, through the thread the runner starts it on.
    expect(reachable).to.include(path.join(SRC, 'engine', 'run-sync.ts'));
    const forbidden = [...reachable].filter((file) =>
      isIn(file, 'supervisor', 'control', 'scheduler', 'cli', 'commands'),
    );
    expect(forbidden.map((file) => path.relative(PROJECT_ROOT, file))).to.deep.equal([]);
  });
});

/** `from → to` for every relative import from a file that `fromMatches` into one that `toMatches`. */
function importsAcross(
  fromMatches: (file: string) => boolean,
  toMatches: (file: string) => boolean,
): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC).filter(fromMatches)) {
    for (const target of importsOf(file).filter(toMatches)) {
      found.push(`${path.relative(PROJECT_ROOT, file)} → ${path.relative(PROJECT_ROOT, target)}`);
    }
  }
  return found;
}

/** Whether a file lies in one of these top-level folders of src/. */
function isIn(file: string, ...folders: string[]): boolean {
  const [top] = path.relative(SRC, file).split(path.sep);
  return top !== undefined && folders.includes(top);
}

function sourceFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(folder, name));
}

// Static imports and re-exports (`from '…'`), side-effect imports and dynamic `import('…')`, relative ones only.
const RELATIVE_IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
// A worker thread's module, started by name beside the starting one (start-module-worker.ts).
const WORKER_MODULE = /\bstartModuleWorker\(\s*['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [
    ...[...text.matchAll(RELATIVE_IMPORT)].map((match) => match[1] as string),
    ...[...text.matchAll(WORKER_MODULE)].map((match) => `./${match[1]}.js`),
  ];
  return specifiers.map((specifier) => resolveImport(file, specifier));
}

/** The source file an import names: `.js` in src/ is its `.ts`, and dist/ (from runners/) is src/. */
function resolveImport(from: string, specifier: string): string {
  const target = path.resolve(path.dirname(from), specifier);
  const inSource = target.startsWith(path.join(PROJECT_ROOT, 'dist') + path.sep)
    ? path.join(SRC, path.relative(path.join(PROJECT_ROOT, 'dist'), target))
    : target;
  return inSource.replace(/\.js$/, '.ts');
}

function reachableFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of importsOf(file)) visit(target);
  };
  visit(entry);
  return seen;
}
