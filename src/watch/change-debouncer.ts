/** How many debounce periods a stream of changes may hold a sync back (a file written without pause). */
export const MAX_WAIT_PERIODS = 4;

/**
 * A trailing debounce with a maximum wait: `flush` runs `waitMs` after the last change, but never later than
 * `MAX_WAIT_PERIODS × waitMs` after the first change it holds. With `waitMs = 0`, on the next turn of the event
 * loop, so the events of one backend callback still make one batch.
 */
export class ChangeDebouncer {
  private timer: NodeJS.Timeout | undefined;
  private firstChangeAt: number | undefined;

  constructor(
    private readonly waitMs: number,
    private readonly flush: () => void,
  ) {}

  /** A change arrived. */
  touch(now = Date.now()): void {
    this.firstChangeAt ??= now;
    const deadline = this.firstChangeAt + this.waitMs * MAX_WAIT_PERIODS;
    const delay = Math.max(0, Math.min(this.waitMs, deadline - now));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.firstChangeAt = undefined;
      this.flush();
    }, delay);
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.firstChangeAt = undefined;
  }
}
