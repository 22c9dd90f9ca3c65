import type { Worker } from 'node:worker_threads';
import type { InstallItem, InstallOutcome, PortableWriteContext } from './install-batch.js';
import { startModuleWorker } from './start-module-worker.js';

/**
 * A second thread for small-file installs. Creating files costs the kernel ~60 µs each (measured on ext4,
 * 20,000 files), most of a first copy: with the main thread and this one both installing, the two cores
 * share that work, as rsync's sender and receiver processes do. One per process, started on first use, never
 * keeping the process alive while idle. `install` resolves to undefined when the thread could not take the
 * batch (it cannot start, or died): the caller then installs it itself.
 */
export class InstallerThread {
  private static shared: InstallerThread | undefined;
  private static unavailable = false;
  private readonly pending = new Map<number, (outcomes: InstallOutcome[] | undefined) => void>();
  private nextId = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', ({ id, outcomes }: { id: number; outcomes: InstallOutcome[] }) => {
      const resolve = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      resolve?.(outcomes);
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
    worker.unref();
  }

  /** The shared thread, or undefined where threads are unavailable. */
  static get(): InstallerThread | undefined {
    if (!InstallerThread.shared && !InstallerThread.unavailable) {
      try {
        InstallerThread.shared = new InstallerThread(startModuleWorker('install-worker', import.meta.url));
      } catch {
        InstallerThread.unavailable = true;
      }
    }
    return InstallerThread.shared;
  }

  /** Whether a batch is still being installed there. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  install(items: InstallItem[], context: PortableWriteContext): Promise<InstallOutcome[] | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      try {
        this.worker.postMessage({ id, items, context });
      } catch {
        resolve(undefined);
        return;
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, resolve);
    });
  }

  // Batches the thread took but never finished go back to the caller; each install is atomic, so one that
  // did complete there is simply found up to date when the caller installs it again.
  private fail(): void {
    InstallerThread.unavailable = true;
    InstallerThread.shared = undefined;
    for (const [id, resolve] of this.pending) {
      this.pending.delete(id);
      resolve(undefined);
    }
  }
}
