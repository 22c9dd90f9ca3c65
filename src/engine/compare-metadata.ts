import type { FileMeta } from './types.js';

// FAT keeps modification times in 2-second steps and some network filesystems in whole seconds; on such a
// destination (destination-time-precision.ts) a time that is a whole (or even) second within that step of the
// source's is the same time, stored coarsely. Elsewhere it is another time, as for rsync.
const COARSE_STEPS_MS = [2000, 1000];
// utimes() takes seconds as a double and libuv truncates them to microseconds: a preserved time can land up to
// ~2 µs below the source's.
const UTIMES_PRECISION_MS = 0.002;

/** Whether two modification times are the same instant, as far as the destination can store one. */
export function isSameMtime(sourceMs: number, destinationMs: number, coarseTimes: boolean): boolean {
  if (Math.abs(sourceMs - destinationMs) < UTIMES_PRECISION_MS) return true;
  if (!coarseTimes) return false;
  for (const step of COARSE_STEPS_MS) {
    if (destinationMs % step === 0 && Math.abs(sourceMs - destinationMs) < step) return true;
  }
  return false;
}

/** Why the destination's metadata needs fixing although its content is right, or undefined when it does not. */
export function describeMetadataDifference(
  source: FileMeta,
  destination: FileMeta,
  options: { preservePermissions: boolean; preserveTimestamps: boolean; coarseTimes: boolean },
): string | undefined {
  const differences: string[] = [];
  if (options.preservePermissions && source.kind !== 'symlink' && source.mode !== destination.mode) {
    differences.push('permissions');
  }
  if (options.preserveTimestamps && !isSameMtime(source.mtimeMs, destination.mtimeMs, options.coarseTimes)) {
    differences.push('modification time');
  }
  if (differences.length === 0) return undefined;
  const plural = differences.length > 1 || differences[0] === 'permissions';
  return `${differences.join(' and ')} ${plural ? 'differ' : 'differs'}`;
}
