import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';

// Each file in the corpus ends with `# expect:` lines: every problem the loader must report for it, in order,
// as "line:column: key path: message". Adding a broken config is adding a file.
const CORPUS = path.join(PROJECT_ROOT, 'test', 'fixtures', 'broken-configs');

describe('the broken-config corpus', () => {
  const files = fs.readdirSync(CORPUS).sort();

  it('holds at least 30 broken configs', () => {
    expect(files.length).to.be.at.least(30);
  });

  for (const name of files) {
    it(`reports exactly the expected problems for ${name}`, async () => {
      const file = path.join(CORPUS, name);
      const expected = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('# expect: '))
        .map((line) => line.slice('# expect: '.length));
      expect(expected, 'the fixture lists what it expects').to.not.be.empty;

      const error = await loadConfigFile(file, {}).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).to.be.instanceOf(ConfigError);
      const problems = (error as ConfigError).problems.map((problem) =>
        `${problem.line ?? ''}:${problem.column ?? ''}: ${problem.keyPath ?? ''}: ${problem.message}`.replaceAll(
          CORPUS,
          '<dir>',
        ),
      );
      expect(problems).to.deep.equal(expected);
      for (const problem of (error as ConfigError).problems) expect(problem.file).to.equal(file);
    });
  }
});
