import { Worker } from 'node:worker_threads';
import { decodeListing, type EncodedListing } from './folder-listing-codec.js';
import { type FolderListing, readFolder } from './read-folder.js';

/**
 * Lists destination folders on a second thread while the main thread lists the source: the two trees' lstat
 * calls, most of a no-op run, then cost the time of one. One worker per process, started on first use and
 * never keeping the process alive; without worker threads (or if the worker dies) listing runs inline.
 */
export class FolderLister {
  private static shared: FolderLister | undefined;
  private readonly pending = new Map<number, (listing: FolderListing) => void>();
  private nextId = 0;
  private broken = false;

  private constructor(private readonly worker: Worker | undefined) {
    if (!worker) return;
    worker.unref();
    worker.on('message', (message: EncodedListing) => {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (resolve) resolve(decodeListing(message));
      if (this.pending.size === 0) worker.unref();
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
  }

  static get(): FolderLister {
    FolderLister.shared ??= new FolderLister(startWorker());
    return FolderLister.shared;
  }

  list(path: string): FolderListing | Promise<FolderListing> {
    if (!this.worker || this.broken) return readFolder(path);
    const id = this.nextId++;
    // Referenced while answers are due, so a run waiting on the worker is not mistaken for an idle process.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker?.postMessage({ id, path });
    });
  }

  // A dead worker must not leave the walk waiting: its pending folders are listed inline.
  private fail(): void {
    this.broken = true;
    FolderLister.shared = undefined;
    for (const [id, resolve] of this.pending) {
      this.pending.delete(id);
      resolve({ status: 'error', code: 'EWORKER', message: 'the folder-listing thread stopped' });
    }
  }
}

function startWorker(): Worker | undefined {
  // Under a TypeScript loader (tests) this module is .ts and so is its worker; built, both are .js.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  try {
    return new Worker(new URL(`./list-folders-worker${extension}`, import.meta.url));
  } catch {
    return undefined;
  }
}
