import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Past this, a line is cut: a runner printing megabytes without a newline must not become one record. */
const MAX_LINE_CHARS = 16 * 1024;

/**
 * Reads a child's piped stdout and stderr line by line (a stack trace, a native module's warning, whatever it
 * prints outside its log records), so nothing it says is lost or interleaved mid-line with the daemon's records.
 * A line longer than 16 K characters is cut into records of that size, so memory stays bounded.
 */
export function captureOutputLines(
  child: { stdout?: Readable | null; stderr?: Readable | null },
  onLine: (stream: 'stdout' | 'stderr', line: string) => void,
): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const input = child[name];
    if (!input) continue;
    const decoder = new StringDecoder('utf8');
    let buffered = '';
    const emit = (line: string) => {
      const text = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (text.trim() !== '') onLine(name, text);
    };
    input.on('data', (chunk: Buffer) => {
      buffered += decoder.write(chunk);
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        emit(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      while (buffered.length > MAX_LINE_CHARS) {
        emit(`${buffered.slice(0, MAX_LINE_CHARS)}… (cut)`);
        buffered = buffered.slice(MAX_LINE_CHARS);
      }
    });
    input.on('end', () => emit(buffered + decoder.end()));
  }
}

/** "exited with code 1", "was killed by SIGKILL", "could not start: spawn ENOENT". */
export function describeExit(exit: { code: number | null; signal: string | null; error?: string }): string {
  if (exit.error) return `could not start: ${exit.error}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
