import { LEVEL_NUMBERS } from './log-record.js';

/** Runs one command to its end; rejects when it fails (execa's error names the command and its output). */
export type RunCommand = (file: string, args: readonly string[]) => Promise<unknown>;

export interface WindowsEventLogOptions {
  run?: RunCommand;
  /** Events written per minute at most; past that, records are counted and said in the next event. */
  perMinute?: number;
  /** Told once when eventcreate fails (not installed, no right to register the source): no event is tried again. */
  onProblem?: (message: string) => void;
}

const SOURCE = 'sync-daemon';
/** eventcreate takes a description of at most a few thousand characters. */
const MAX_DESCRIPTION = 4000;
/** Records waiting for eventcreate, past which they are counted rather than queued. */
const MAX_QUEUED = 100;

/**
 * Records at warn and above also go to the Windows Event Log (Application, source "sync-daemon"), where Event
 * Viewer and monitoring agents read them: through `eventcreate`, one at a time and at most `perMinute` a
 * minute, so a burst of warnings never becomes a burst of processes. A failure is said once and ends it.
 */
export class WindowsEventLog {
  private readonly run: RunCommand;
  private readonly perMinute: number;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private skipped = 0;
  private windowStart = 0;
  private inWindow = 0;
  private failed = false;

  constructor(private readonly options: WindowsEventLogOptions = {}) {
    this.run = options.run ?? runWithExeca;
    this.perMinute = options.perMinute ?? 30;
  }

  /** Resolves once every event queued so far has been written (or given up on). */
  idle(): Promise<void> {
    return this.queue;
  }

  write(record: Readonly<Record<string, unknown>>): void {
    const level = typeof record.level === 'number' ? record.level : 0;
    if (this.failed || level < LEVEL_NUMBERS.warn) return;
    const now = Date.now();
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perMinute || this.queued >= MAX_QUEUED) {
      this.skipped++;
      return;
    }
    this.inWindow++;
    this.queued++;
    const skipped = this.skipped;
    this.skipped = 0;
    const args = eventcreateArgs(record, level, skipped);
    this.queue = this.queue
      .then(() => (this.failed ? undefined : this.run('eventcreate', args)))
      .then(
        () => undefined,
        (error: unknown) => {
          if (this.failed) return;
          this.failed = true;
          this.options.onProblem?.(
            `records are no longer sent to the Windows Event Log: eventcreate failed (${error instanceof Error ? error.message : String(error)})`,
          );
        },
      )
      .finally(() => {
        this.queued--;
      });
  }
}

/** `eventcreate /L APPLICATION /T ERROR /SO sync-daemon /ID 2 /D "docs: …"`. */
export function eventcreateArgs(
  record: Readonly<Record<string, unknown>>,
  level: number,
  skipped = 0,
): string[] {
  const job = typeof record.job === 'string' ? `${record.job}: ` : '';
  const note =
    skipped > 0 ? ` (${skipped} earlier records were not sent to the Event Log: see the log file)` : '';
  const description = `${job}${String(record.msg)}${note}`.replace(/\r?\n/g, ' ').slice(0, MAX_DESCRIPTION);
  const error = level >= LEVEL_NUMBERS.error;
  return [
    '/L',
    'APPLICATION',
    '/T',
    error ? 'ERROR' : 'WARNING',
    '/SO',
    SOURCE,
    '/ID',
    error ? '2' : '1',
    '/D',
    description,
  ];
}

async function runWithExeca(file: string, args: readonly string[]): Promise<unknown> {
  const { execa } = await import('execa');
  return execa(file, args, { windowsHide: true, timeout: 10_000 });
}
