import type { InstallItem, InstallOutcome, PortableWriteContext } from './install-batch.js';
import { startModuleWorker } from './start-module-worker.js';
import { ThreadClient } from './thread-client.js';
import { reportWorkerFallback } from './worker-fallback.js';

interface InstallRequest {
  items: InstallItem[];
  context: PortableWriteContext;
}

/**
 * A second thread for small-file installs. Creating files costs the kernel ~60 µs each (measured on ext4,
 * 20,000 files), most of a first copy: with the main thread and this one both installing, the two cores
 * share that work, as rsync's sender and receiver processes do. One per process, started on first use, never
 * keeping the process alive while idle. `install` resolves to undefined when the thread could not take the
 * batch (it cannot start, or died): the caller then installs it itself.
 */
export class InstallerThread {
  private static readonly shared = new InstallerThread(
    new ThreadClient({
      name: 'install',
      start: () => startModuleWorker('install-worker', import.meta.url),
      afterLoss: 'stay-inline',
      onFallback: (error) => reportWorkerFallback('installing small files', error),
    }),
  );

  private constructor(
    private readonly thread: ThreadClient<InstallRequest, { id: number; outcomes: InstallOutcome[] }>,
  ) {}

  /** The shared thread, or undefined where threads are unavailable. */
  static get(): InstallerThread | undefined {
    return InstallerThread.shared.thread.tryStart() ? InstallerThread.shared : undefined;
  }

  /** Whether a batch is still being installed there. */
  get busy(): boolean {
    return this.thread.busy;
  }

  // Batches the thread took but never finished go back to the caller; each install is atomic, so one that
  // did complete there is simply found up to date when the caller installs it again.
  async install(items: InstallItem[], context: PortableWriteContext): Promise<InstallOutcome[] | undefined> {
    try {
      return (await this.thread.request({ items, context })).outcomes;
    } catch {
      return undefined;
    }
  }
}
