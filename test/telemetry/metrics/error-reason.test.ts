import { expect } from 'chai';
import { errorReason } from '../../../src/telemetry/metrics/error-reason.js';
import { ERROR_REASONS } from '../../../src/telemetry/metrics/metric-labels.js';

describe('errorReason', () => {
  const expected: Record<string, string[]> = {
    permission: ['EACCES', 'EPERM'],
    no_space: ['ENOSPC', 'EDQUOT'],
    missing: ['ENOENT', 'ENOTDIR', 'SOURCE_MISSING', 'SOURCE_NOT_FOLDER', 'DESTINATION_NOT_FOLDER'],
    safety_guard: [
      'SOURCE_EMPTY',
      'SOURCE_MARKER_MISSING',
      'MAX_DELETE',
      'FOLDER_NOT_EMPTY',
      'SOURCE_CHANGED',
      'TYPE_CHANGED',
    ],
    crash: ['ENGINE_CRASH', 'THREAD_DIED', 'RUNNER_EXITED'],
    timeout: ['SYNC_TIMEOUT'],
    lock: ['LOCK_FAILED', 'DESTINATION_LOCKED'],
    io: ['EIO', 'EROFS', 'EXDEV', 'ENOTSUP', 'EEXIST', 'ENOTEMPTY'],
  };

  for (const [reason, codes] of Object.entries(expected)) {
    it(`maps ${codes.join(', ')} to ${reason}`, () => {
      for (const code of codes) expect(errorReason(code), code).to.equal(reason);
    });
  }

  it('maps any other code, even an Object property name, to other', () => {
    for (const code of ['E_NEW', '', 'toString', '__proto__', 'eacces']) {
      expect(errorReason(code), code).to.equal('other');
    }
  });

  it('only ever answers a reason of the closed set', () => {
    for (const codes of Object.values(expected)) {
      for (const code of codes) expect(ERROR_REASONS).to.include(errorReason(code));
    }
  });
});
