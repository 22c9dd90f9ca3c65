import fs from 'node:fs';
import { fsPath } from './byte-names.js';

// Often enough that a progress bar moves and a no-progress timeout of seconds never fires during a copy, and
// longer than the progress tracker's 100 ms throttle, so each growth seen gets out; a stat this often costs
// nothing beside the copy.
export const GROWTH_CHECK_INTERVAL_MS = 150;

/**
 * Reports how much a file grew, on a timer, while something else writes it (the kernel's copy_file_range,
 * which says nothing until it is done). Only growth is reported: a copy that stalls reports nothing, so a
 * hung disk still looks hung. Returns the function that stops the watch.
 */
export function watchFileGrowth(file: string, onGrowth: (bytes: number) => void): () => void {
  let reported = 0;
  const timer = setInterval(() => {
    let size = 0;
    try {
      size = fs.statSync(fsPath(file)).size;
    } catch {
      // Not there yet, or its folder moved or closed (ENOTDIR, EACCES): no growth seen. A throw here, on a
      // timer, would end the process; the copy itself reports its own failure.
    }
    if (size > reported) {
      onGrowth(size - reported);
      reported = size;
    }
  }, GROWTH_CHECK_INTERVAL_MS);
  return () => clearInterval(timer);
}
