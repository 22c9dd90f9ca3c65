import readline from 'node:readline';
import type { Readable } from 'node:stream';

/** Past this, a line is cut: a runner printing megabytes without a newline must not become one record. */
const MAX_LINE_CHARS = 16 * 1024;

/**
 * Reads a child's piped stdout and stderr line by line (a stack trace, a native module's warning, whatever it
 * prints outside its log records), so nothing it says is lost or interleaved mid-line with the daemon's records.
 */
export function captureOutputLines(
  child: { stdout?: Readable | null; stderr?: Readable | null },
  onLine: (stream: 'stdout' | 'stderr', line: string) => void,
): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const input = child[name];
    if (!input) continue;
    readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      if (line.trim() === '') return;
      onLine(name, line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… (cut)` : line);
    });
  }
}

/** "exited with code 1", "was killed by SIGKILL", "could not start: spawn ENOENT". */
export function describeExit(exit: { code: number | null; signal: string | null; error?: string }): string {
  if (exit.error) return `could not start: ${exit.error}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
