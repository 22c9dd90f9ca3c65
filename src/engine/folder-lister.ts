import type { Worker } from 'node:worker_threads';
import { decodeListing, type EncodedListing } from './folder-listing-codec.js';
import { type FolderListing, readFolder } from './read-folder.js';
import { startModuleWorker } from './start-module-worker.js';

/**
 * Lists destination folders on a second thread while the main thread lists the source: the two trees' lstat
 * calls, most of a no-op run, then cost the time of one. One worker per process, started on first use and
 * never keeping the process alive while idle; where it cannot start, or once it dies, listing runs inline.
 */
export class FolderLister {
  private static shared: FolderLister | undefined;
  private static unavailable = false;
  private readonly pending = new Map<number, { path: string; resolve: (listing: FolderListing) => void }>();
  private nextId = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: EncodedListing) => {
      const request = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      request?.resolve(decodeListing(message));
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
    worker.unref();
  }

  /** Lists a folder, on the worker when there is one. */
  static list(path: string): FolderListing | Promise<FolderListing> {
    const lister = FolderLister.get();
    return lister ? lister.request(path) : readFolder(path);
  }

  private static get(): FolderLister | undefined {
    if (!FolderLister.shared && !FolderLister.unavailable) {
      try {
        FolderLister.shared = new FolderLister(startModuleWorker('list-folders-worker', import.meta.url));
      } catch {
        FolderLister.unavailable = true;
      }
    }
    return FolderLister.shared;
  }

  private request(path: string): Promise<FolderListing> {
    const id = this.nextId++;
    // Referenced while answers are due, so a run waiting on the worker is not taken for an idle process.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, { path, resolve });
      this.worker.postMessage({ id, path });
    });
  }

  // A dead worker must not leave the walk waiting: what it still owed is listed inline, and so is the rest.
  private fail(): void {
    FolderLister.unavailable = true;
    FolderLister.shared = undefined;
    for (const [id, { path, resolve }] of this.pending) {
      this.pending.delete(id);
      resolve(readFolder(path));
    }
  }
}
