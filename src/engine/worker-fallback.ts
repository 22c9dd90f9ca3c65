/** A helper thread that could not start or died: its work now runs in-line, slower but complete. */
export interface WorkerFallback {
  /** What the thread did: "folder listing", "installing small files". */
  work: string;
  reason: string;
}

let listener: ((fallback: WorkerFallback) => void) | undefined;

/** Who hears of fallbacks (a runner logs each once, a one-shot sync prints it); the engine knows no logger. */
export function onWorkerFallback(next: ((fallback: WorkerFallback) => void) | undefined): void {
  listener = next;
}

// Said once per kind of work: threads that share one (a listing thread per side) fall back together.
const reported = new Set<string>();

/** For a ThreadClient's `onFallback`: tells the listener of the thread's error, once per kind of work. */
export function reportWorkerFallback(work: string, error: Error): void {
  if (reported.has(work)) return;
  reported.add(work);
  listener?.({ work, reason: describeThreadError(error) });
}

/** A thread's error, and what caused it when it says (a thread that cannot start carries the reason as cause). */
export function describeThreadError(error: Error): string {
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

/** The log line for a fallback: what is slower now, and why. */
export function describeWorkerFallback({ work, reason }: WorkerFallback): string {
  return `${work} runs in-line from now on, slower but complete: ${reason}`;
}
