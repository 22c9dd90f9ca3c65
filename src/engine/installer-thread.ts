import { Worker } from 'node:worker_threads';
import type { InstallItem, InstallOutcome, PortableWriteContext } from './install-batch.js';

/**
 * A second thread for small-file installs. Creating files costs the kernel ~60 µs each (measured on ext4,
 * 20,000 files), most of a first copy: with the main thread and this one both installing, the two cores
 * share that work, as rsync's sender and receiver processes do. One per process, started on first use,
 * never keeping the process alive; if it cannot start or dies, installs run on the main thread.
 */
export class InstallerThread {
  private static shared: InstallerThread | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (outcomes: InstallOutcome[]) => void; items: number }
  >();
  private nextId = 0;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', ({ id, outcomes }: { id: number; outcomes: InstallOutcome[] }) => {
      const entry = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      entry?.resolve(outcomes);
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
  }

  /** The shared thread, or undefined where threads are unavailable. */
  static get(): InstallerThread | undefined {
    if (!InstallerThread.shared) {
      const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
      try {
        InstallerThread.shared = new InstallerThread(
          new Worker(new URL(`./install-worker${extension}`, import.meta.url)),
        );
      } catch {
        return undefined;
      }
    }
    return InstallerThread.shared;
  }

  /** Whether a batch is still being installed there. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  install(items: InstallItem[], context: PortableWriteContext): Promise<InstallOutcome[]> {
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, items: items.length });
      this.worker.postMessage({ id, items, context });
    });
  }

  // The files of a batch lost with the thread are reported as failed; the next run copies them.
  private fail(): void {
    InstallerThread.shared = undefined;
    for (const [id, { resolve, items }] of this.pending) {
      this.pending.delete(id);
      resolve(
        Array.from({ length: items }, () => ({
          ok: false,
          code: 'EWORKER',
          message: 'the install thread stopped',
        })),
      );
    }
  }
}
