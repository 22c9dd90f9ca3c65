import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { captureOutputLines, describeExit } from '../../src/telemetry/capture-runner-output.js';
import { waitFor } from '../helpers/sync-helpers.js';

describe("a runner's captured output", () => {
  it('becomes one record per line, however the chunks fall, and a line without end is cut', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const lines: string[] = [];
    captureOutputLines({ stdout, stderr }, (stream, line) => lines.push(`${stream}: ${line}`));
    stderr.write('Error: boom\n    at f (file.js:1:1)\n    at g');
    stderr.write(' (file.js:2:2)\r\n\n');
    stdout.write(Buffer.from('é', 'utf8').subarray(0, 1));
    stdout.write(Buffer.concat([Buffer.from('é', 'utf8').subarray(1), Buffer.from('t\n')]));
    stdout.write('x'.repeat(40_000));
    stdout.end('tail');
    stderr.end();
    await waitFor(() => lines.length === 7, { what: 'every line' });
    expect(lines.slice(0, 3)).to.deep.equal([
      'stderr: Error: boom',
      'stderr:     at f (file.js:1:1)',
      'stderr:     at g (file.js:2:2)',
    ]);
    expect(lines[3]).to.equal('stdout: ét');
    expect(
      lines.slice(4, 6).every((line) => line.length === 'stdout: '.length + 16 * 1024 + '… (cut)'.length),
    ).to.equal(true);
    expect(lines[6]).to.equal(`stdout: ${'x'.repeat(40_000 - 2 * 16 * 1024)}tail`);
  });

  it('says how a runner ended', () => {
    expect(describeExit({ code: 1, signal: null })).to.equal('exited with code 1');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).to.equal('was killed by SIGKILL');
    expect(describeExit({ code: null, signal: null, error: 'spawn node ENOENT' })).to.equal(
      'could not start: spawn node ENOENT',
    );
  });
});
