import type { Worker } from 'node:worker_threads';

/** A request the thread will never answer: it could not start, or it died (`cause`: its error, if it had one). */
export class ThreadLostError extends Error {
  override readonly name = 'ThreadLostError';
  constructor(
    readonly code: 'THREAD_UNAVAILABLE' | 'THREAD_DIED',
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

export interface ThreadClientOptions<FromThread> {
  /** Names the thread in errors, and for `onFallback`'s once per process. */
  name: string;
  /** Starts the worker (start-module-worker.ts); it may throw where threads are unavailable. */
  start: () => Worker;
  /** After the thread is lost: stay without it (callers work in-line from then on), or start a new one. */
  afterLoss: 'stay-inline' | 'restart';
  /** Whether a message is the final answer to its request; others (progress) go to the request's `onNote`. */
  isAnswer?: (message: FromThread) => boolean;
  /** Called once per process and `name` when the thread cannot start or dies, with the error. */
  onFallback?: (error: ThreadLostError) => void;
}

interface PendingRequest<FromThread> {
  resolve: (answer: FromThread) => void;
  reject: (error: ThreadLostError) => void;
  onNote: ((note: FromThread) => void) | undefined;
}

const reportedFallbacks = new Set<string>();

/**
 * A worker thread that answers requests: started on first use, referenced only while answers are due (an idle
 * thread never keeps the process alive), each answer matched to its request by id. When the thread cannot
 * start or dies, every request it still owed is rejected with ThreadLostError, so its caller can fall back.
 */
export class ThreadClient<ToThread extends object, FromThread extends { id: number }> {
  private worker: Worker | undefined;
  private lost = false;
  private readonly pending = new Map<number, PendingRequest<FromThread>>();
  private nextId = 0;
  private starts = 0;

  constructor(private readonly options: ThreadClientOptions<FromThread>) {}

  /** Whether the thread is up now (a request would not wait for it to start). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** How many threads have been started: a number that changes when the running thread is a new one. */
  get generation(): number {
    return this.starts;
  }

  /** Starts the thread if it is not running; false when there is none to be had (callers work in-line). */
  tryStart(): boolean {
    if (this.worker) return true;
    if (this.lost && this.options.afterLoss === 'stay-inline') return false;
    let worker: Worker;
    try {
      worker = this.options.start();
    } catch (error) {
      this.lose(
        new ThreadLostError('THREAD_UNAVAILABLE', `the ${this.options.name} thread cannot start`, {
          cause: error,
        }),
      );
      return false;
    }
    this.worker = worker;
    this.starts++;
    worker.on('message', (message: FromThread) => this.receive(message));
    // An uncaught error in the thread is followed by 'exit': the first of the two settles what it owed.
    worker.on('error', (error) => this.died(worker, error));
    worker.on('exit', (code) => this.died(worker, undefined, code));
    // After the listeners: adding one refs the worker's port again.
    worker.unref();
    return true;
  }

  /** Whether answers are due. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Sends `{...message, id}` and resolves with the thread's answer; rejects with ThreadLostError if none comes. */
  request(message: ToThread, onNote?: (note: FromThread) => void): Promise<FromThread> {
    return new Promise((resolve, reject) => {
      if (!this.tryStart() || !this.worker) {
        reject(new ThreadLostError('THREAD_UNAVAILABLE', `the ${this.options.name} thread is unavailable`));
        return;
      }
      const id = this.nextId++;
      // Throws when the message cannot be cloned: this request only fails, the thread is fine.
      this.worker.postMessage({ ...message, id });
      // Referenced while answers are due, so a caller waiting on the thread is not taken for an idle process.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject, onNote });
    });
  }

  /** Sends a message that expects no answer (such as "abort"); dropped when no thread runs. */
  post(message: ToThread): void {
    this.worker?.postMessage(message);
  }

  /** Ends an idle thread to give its memory back; the next request starts a new one. */
  release(): void {
    const worker = this.worker;
    if (!worker || this.busy) return;
    this.worker = undefined;
    void worker.terminate();
  }

  private receive(message: FromThread): void {
    const request = this.pending.get(message.id);
    if (!request) return;
    if (this.options.isAnswer && !this.options.isAnswer(message)) {
      request.onNote?.(message);
      return;
    }
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker?.unref();
    request.resolve(message);
  }

  private died(worker: Worker, error: Error | undefined, exitCode?: number): void {
    // A thread ended by release(), or already replaced, owes nothing.
    if (this.worker !== worker) return;
    this.worker = undefined;
    const message = error
      ? `the ${this.options.name} thread failed: ${error.message}`
      : `the ${this.options.name} thread exited with code ${exitCode}`;
    this.lose(new ThreadLostError('THREAD_DIED', message, { cause: error }));
  }

  private lose(error: ThreadLostError): void {
    this.lost = true;
    for (const [id, request] of this.pending) {
      this.pending.delete(id);
      request.reject(error);
    }
    if (reportedFallbacks.has(this.options.name)) return;
    reportedFallbacks.add(this.options.name);
    this.options.onFallback?.(error);
  }
}
