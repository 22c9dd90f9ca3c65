import { removeCliForOtherUsers } from './helpers/cli-for-other-users.js';

// Root hooks for every test file: a process warning (a deprecation, an unhandled rejection turned into a
// warning, a leaked listener) is a bug, so it fails the test that caused it (STYLE.md rule 24).
const warnings: Error[] = [];
process.on('warning', (warning) => warnings.push(warning));

export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    const emitted = warnings.splice(0);
    if (emitted.length > 0) {
      const title = this.currentTest?.fullTitle() ?? 'a test';
      throw new Error(
        `${title} caused a process warning:\n${emitted.map((warning) => warning.stack).join('\n')}`,
      );
    }
  },
  // The copy of the CLI that tests run as another user (made on first use, see cli-for-other-users.ts).
  afterAll(): void {
    removeCliForOtherUsers();
  },
};
