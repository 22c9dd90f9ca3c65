import { type InstallOutcome, installBatch, toPortableContext } from './install-batch.js';
import { InstallerThread } from './installer-thread.js';
import type { MetadataCache } from './metadata-cache.js';
import { describeEntryError } from './sync-entry-error.js';
import type { SyncProgressTracker } from './sync-progress-tracker.js';
import type { FileMeta, PlanEntry, SyncFileError, SyncRequest } from './types.js';
import { installEntry, type WriteContext } from './write-entry.js';

export interface PendingInstall {
  decision: PlanEntry;
  source: FileMeta;
  destination: FileMeta | undefined;
}

/**
 * Carries out a run's copies: a large file at once (several in flight, with byte progress), small files in
 * batches per folder, on the install thread when it is free, else here.
 */
export class EntryInstalls {
  // Small files to install, gathered per folder (see flush).
  private readonly small: PendingInstall[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly request: SyncRequest,
    private readonly context: WriteContext,
    private readonly cache: MetadataCache,
    private readonly tracker: SyncProgressTracker,
    private readonly errors: SyncFileError[],
  ) {}

  /** Installs one file or link now, reporting a large file's bytes as they are copied. */
  async install(pending: PendingInstall): Promise<void> {
    const { decision, source, destination } = pending;
    // Bytes already counted while the copy ran (see watch-file-growth).
    let bytesReported = 0;
    const onBytes = (bytes: number) => {
      bytesReported += bytes;
      this.tracker.copying(bytes);
    };
    try {
      await installEntry(decision.path, source, destination, this.context, onBytes);
      this.installed(pending, bytesReported);
    } catch (error) {
      this.tracker.copying(-bytesReported);
      this.errors.push({ path: decision.path, ...describeEntryError(error) });
    }
  }

  /** A small file, installed with the rest of its folder's at the next flush. */
  add(pending: PendingInstall): void {
    this.small.push(pending);
  }

  /**
   * Sends the small installs gathered from one folder to the install thread when it is free, else installs
   * them here: both cores create files, and neither waits for the other.
   */
  async flush(): Promise<void> {
    if (this.small.length === 0) return;
    const batch = this.small.splice(0);
    const items = batch.map(({ decision, source, destination }) => ({
      path: decision.path,
      source,
      destination,
    }));
    // An incremental run (a watcher's few changed paths, on a runner's main thread) installs here: a second
    // thread would save nothing on a few files and stay in the runner's memory (~10 MB) for good.
    const thread = this.request.paths === undefined ? InstallerThread.get() : undefined;
    if (thread && !thread.busy) {
      // A batch the thread could not take is installed here instead.
      const done = thread
        .install(items, toPortableContext(this.context))
        .then(async (outcomes) => this.settle(batch, outcomes ?? (await installBatch(items, this.context))));
      this.inFlight.add(done);
      const forget = () => this.inFlight.delete(done);
      // drained() hears of a failure; this derived promise must not be left rejected without a handler.
      done.then(forget, forget);
      return;
    }
    this.settle(batch, await installBatch(items, this.context));
  }

  /** Resolves once every batch sent to the install thread came back. */
  async drained(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
  }

  private settle(batch: readonly PendingInstall[], outcomes: readonly InstallOutcome[]): void {
    batch.forEach((install, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) this.installed(install);
      else
        this.errors.push({
          path: install.decision.path,
          code: outcome?.code ?? 'EIO',
          message: outcome?.message ?? '',
        });
    });
  }

  private installed({ decision, source, destination }: PendingInstall, bytesReported = 0): void {
    if (this.request.comparison === 'checksum' && source.kind === 'file') {
      // The copy's hash is its source's, when the cache knows it soundly: the next run need not read the copy.
      try {
        this.cache.rememberCopy(
          `${this.request.source}/${decision.path}`,
          source,
          `${this.request.destination}/${decision.path}`,
        );
      } catch {
        // The copy was moved or removed by someone else since: nothing to remember, the next run looks again.
      }
    }
    if (destination && this.context.trash && destination.kind !== 'dir') this.tracker.stats.trashed++;
    this.tracker.done(decision, bytesReported);
  }
}
