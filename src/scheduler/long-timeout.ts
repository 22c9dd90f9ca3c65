/** The longest delay `setTimeout` honours: past it Node warns and fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that may be longer than MAX_TIMER_MS; `clear` stops it whichever link of the chain is waiting. */
export interface LongTimeout {
  clear(): void;
}

/**
 * Calls `callback` once after `delayMs` (any length, Infinity included: never), waiting in a chain of timers of
 * at most MAX_TIMER_MS. The remaining time is counted down by the timers themselves (the monotonic clock), not
 * from Date.now, so a change of the wall clock moves it no more than it moves a plain setTimeout.
 */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  const wait = (remainingMs: number) => {
    const stepMs = Math.min(Math.max(remainingMs, 0), MAX_TIMER_MS);
    timer = setTimeout(() => {
      if (remainingMs > stepMs) wait(remainingMs - stepMs);
      else callback();
    }, stepMs);
  };
  wait(delayMs);
  return { clear: () => clearTimeout(timer) };
}
