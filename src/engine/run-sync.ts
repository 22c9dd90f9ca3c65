import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import PQueue from 'p-queue';
import { describeMetadataDifference } from './compare-metadata.js';
import { compileFilters } from './compile-filters.js';
import { type DecisionContext, decideEntry } from './decide-entry.js';
import { deleteExtraneous, type PendingDeletion } from './delete-extraneous.js';
import { SMALL_FILE_BYTES } from './hash-file.js';
import { inspectRoots, type Roots } from './inspect-roots.js';
import { type InstallOutcome, installBatch, toPortableContext } from './install-batch.js';
import { InstallerThread } from './installer-thread.js';
import { MetadataCache } from './metadata-cache.js';
import { describeEntryError } from './sync-entry-error.js';
import { SyncProgressTracker } from './sync-progress-tracker.js';
import { purgeTrash, RunTrash } from './trash.js';
import type { FileMeta, PlanEntry, SyncFileError, SyncRequest, SyncResult } from './types.js';
import { type WalkEvent, walkTrees } from './walk-trees.js';
import { finishFolder, installEntry, makeFolder, updateMetadata, type WriteContext } from './write-entry.js';

interface PendingInstall {
  decision: PlanEntry;
  source: FileMeta;
  destination: FileMeta | undefined;
}

// Synchronous work is cut into slices so that IPC (a stop request) and timers are served during a long run.
const EVENT_LOOP_SLICE_MS = 20;

/**
 * One run of a job: scan both trees → plan → execute, with at most `maxFileOperations` file operations in
 * flight. Copies come first; deletions run only after every copy succeeded (see delete-extraneous).
 */
export async function runSync(request: SyncRequest): Promise<SyncResult> {
  const tracker = new SyncProgressTracker(request.onProgress);
  const roots = inspectRoots(request.source, request.destination);
  if ('error' in roots) {
    return tracker.finish(
      'failed',
      request.dryRun,
      [{ path: '', code: roots.code, message: roots.error }],
      [],
    );
  }
  const cache = await MetadataCache.open(
    request.comparison === 'checksum' ? request.metadataCacheFile : undefined,
    request.metadataCacheTtlMs,
  );
  const run = new SyncRun(request, roots, cache, tracker);
  if (cache.warning) run.warnings.push(cache.warning);
  await run.execute();
  if (request.signal?.aborted) run.warnings.push('stopped before the end; the next run completes the mirror');
  const outcome = run.errors.length > 0 || request.signal?.aborted ? 'partial' : 'ok';
  return tracker.finish(outcome, request.dryRun, run.errors, run.warnings);
}

class SyncRun {
  readonly errors: SyncFileError[] = [];
  readonly warnings: string[] = [];
  private readonly context: WriteContext;
  private readonly queue: PQueue;
  private readonly decisionContext: DecisionContext;
  private readonly deletions: PendingDeletion[] = [];
  private readonly foldersToFinish: { path: string; source: FileMeta; destination: FileMeta | undefined }[] =
    [];
  // Small files to install, gathered per folder (see flushSmallInstalls).
  private readonly smallInstalls: PendingInstall[] = [];
  private readonly installsInFlight = new Set<Promise<void>>();
  // Folders whose entries this run created, renamed or removed: their mtime moved and must be set again.
  private readonly touchedFolders = new Set<string>();
  // Below a folder that could not be made every entry would fail alike: the folder's one error says it all.
  private readonly failedFolders: string[] = [];

  constructor(
    private readonly request: SyncRequest,
    private readonly roots: Roots,
    private readonly cache: MetadataCache,
    private readonly tracker: SyncProgressTracker,
  ) {
    const trash = request.trashDir && !request.dryRun ? RunTrash.create(request.trashDir) : undefined;
    this.context = { ...request, trash };
    this.queue = new PQueue({ concurrency: request.maxFileOperations });
    this.decisionContext = { ...request, cache };
  }

  async execute(): Promise<void> {
    const { request } = this;
    if (request.trashDir && !request.dryRun) purgeTrash(request.trashDir, request.trashRetentionDays);
    if (!this.roots.destination) this.makeFolder('', undefined, 'destination folder does not exist');
    this.foldersToFinish.push({ path: '', source: this.roots.source, destination: this.roots.destination });

    const walk = walkTrees(
      {
        source: request.source,
        destination: request.destination,
        filter: compileFilters(request.filters, request.ignoreHiddenFiles),
        walkExtraneous: request.deleteExtraneous,
        skipDestinationPaths: new Set(request.trashDir ? [request.trashDir] : []),
      },
      this.roots,
    );
    let sliceStartedAt = performance.now();
    for await (const batch of walk) {
      for (const event of batch) {
        if (request.signal?.aborted) break;
        if (this.failedFolders.some((folder) => isWithin(event.path, folder))) continue;
        const pending = this.handle(event);
        if (pending) await pending;
      }
      await this.flushSmallInstalls();
      if (request.signal?.aborted) break;
      if (performance.now() - sliceStartedAt > EVENT_LOOP_SLICE_MS) {
        await yieldToEventLoop();
        sliceStartedAt = performance.now();
      }
    }
    await this.flushSmallInstalls();
    await this.queue.onIdle();
    await Promise.all(this.installsInFlight);
    this.tracker.scanComplete();
    if (request.signal?.aborted) return;

    if (this.deletions.length > 0) {
      this.tracker.phase('deleting');
      deleteExtraneous(this.deletions, {
        request,
        context: this.context,
        sourceIsEmpty: this.roots.sourceIsEmpty,
        errors: this.errors,
        warnings: this.warnings,
        stats: this.tracker.stats,
        report: (entry) => this.report(entry),
        onRemoved: (path) => this.touch(path),
      });
    }
    if (!request.dryRun) {
      // A trash inside the destination was created in one of its folders, whose mtime then moved.
      const trashInDestination = request.trashDir
        ? path.relative(request.destination, request.trashDir)
        : '..';
      if (!trashInDestination.startsWith('..') && !path.isAbsolute(trashInDestination))
        this.touch(trashInDestination);
      await this.finish();
    }
  }

  /** Handles one walk event; returns a promise only when the walk must wait (backpressure, large files). */
  private handle(event: WalkEvent): void | Promise<void> {
    switch (event.type) {
      case 'folder':
        if (event.destination?.kind !== 'dir') {
          this.makeFolder(
            event.path,
            event.destination,
            event.destination ? `replaces a ${event.destination.kind}` : 'new folder',
          );
        }
        return;
      case 'folder-done':
        if (event.source) {
          this.foldersToFinish.push({
            path: event.path,
            source: event.source,
            destination: event.destination,
          });
        } else this.deletions.push({ path: event.path, kind: 'dir' });
        return;
      case 'entry':
        this.tracker.scanned();
        // Large files go to the queue, so that up to max_file_operations copy or hash at once; the rest is
        // handled inline, where synchronous calls are cheapest.
        if (event.source.kind === 'file' && event.source.size >= SMALL_FILE_BYTES) {
          return this.queue.onSizeLessThan(this.request.maxFileOperations).then(() => {
            this.queue.add(() => this.handleEntry(event.path, event.source, event.destination));
          });
        }
        return this.handleEntry(event.path, event.source, event.destination);
      case 'extraneous':
        if (this.request.deleteExtraneous && event.destination.kind !== 'dir') {
          this.deletions.push({ path: event.path, kind: event.destination.kind });
        }
        return;
      case 'stale-temp':
        if (!this.request.dryRun) this.removeStaleTemp(event.path);
        return;
      case 'excluded':
        this.tracker.stats.excluded++;
        return;
      case 'unreadable':
        this.recordError(event.path || '.', Object.assign(new Error(event.message), { code: event.code }));
        return;
      default:
        throw new Error(`unexpected walk event ${JSON.stringify(event satisfies never)}`);
    }
  }

  private handleEntry(
    path: string,
    source: FileMeta,
    destination: FileMeta | undefined,
  ): void | Promise<void> {
    try {
      const decision = decideEntry(path, source, destination, this.decisionContext);
      if (decision instanceof Promise) {
        return decision.then(
          (value) => this.apply(value, source, destination),
          (error: unknown) => this.recordError(path, error),
        );
      }
      return this.apply(decision, source, destination);
    } catch (error) {
      this.recordError(path, error);
    }
  }

  private apply(
    decision: PlanEntry,
    source: FileMeta,
    destination: FileMeta | undefined,
  ): void | Promise<void> {
    this.report(decision);
    if (decision.action === 'skip') {
      this.tracker.stats.skipped++;
      if (source.kind === 'special') this.warnings.push(`${decision.path}: skipped, ${decision.reason}`);
      return;
    }
    this.tracker.planned(decision.bytes ?? 0);
    if (this.request.dryRun) return this.tracker.done(decision);
    try {
      if (decision.metadataOnly) {
        updateMetadata(decision.path, this.context);
        return this.tracker.done(decision);
      }
    } catch (error) {
      return this.recordError(decision.path, error);
    }
    if (source.kind === 'file' && source.size >= SMALL_FILE_BYTES)
      return this.install(decision, source, destination);
    this.touch(decision.path);
    this.smallInstalls.push({ decision, source, destination });
  }

  private async install(
    decision: PlanEntry,
    source: FileMeta,
    destination: FileMeta | undefined,
  ): Promise<void> {
    this.touch(decision.path);
    try {
      await installEntry(decision.path, source, destination, this.context);
      this.installed({ decision, source, destination });
    } catch (error) {
      this.recordError(decision.path, error);
    }
  }

  /**
   * Sends the small installs gathered from one folder to the install thread when it is free, else installs
   * them here: both cores create files, and neither waits for the other.
   */
  private async flushSmallInstalls(): Promise<void> {
    if (this.smallInstalls.length === 0) return;
    const batch = this.smallInstalls.splice(0);
    const items = batch.map(({ decision, source, destination }) => ({
      path: decision.path,
      source,
      destination,
    }));
    const thread = InstallerThread.get();
    if (thread && !thread.busy) {
      // A batch the thread could not take is installed here instead.
      const done = thread
        .install(items, toPortableContext(this.context))
        .then(async (outcomes) => this.settle(batch, outcomes ?? (await installBatch(items, this.context))));
      this.installsInFlight.add(done);
      void done.finally(() => this.installsInFlight.delete(done));
      return;
    }
    this.settle(batch, await installBatch(items, this.context));
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

  private installed({ decision, source, destination }: PendingInstall): void {
    if (this.request.comparison === 'checksum' && source.kind === 'file') {
      // The copy's hash is its source's, when the cache knows it soundly: the next run need not read the copy.
      const relative = decision.path;
      this.cache.rememberCopy(
        `${this.request.source}/${relative}`,
        source,
        `${this.request.destination}/${relative}`,
      );
    }
    if (destination && this.context.trash && destination.kind !== 'dir') this.tracker.stats.trashed++;
    this.tracker.done(decision);
  }

  private makeFolder(path: string, destination: FileMeta | undefined, reason: string): void {
    this.report({ action: 'mkdir', path, kind: 'dir', reason });
    if (!this.request.dryRun) {
      // Made before the walk goes on, so every entry below finds its folder.
      try {
        if (path) this.touch(path);
        makeFolder(path, destination, this.context);
      } catch (error) {
        this.recordError(path || '.', error);
        this.failedFolders.push(path);
        return;
      }
    }
    this.tracker.stats.directoriesCreated++;
  }

  private removeStaleTemp(path: string): void {
    try {
      this.touch(path);
      fs.rmSync(`${this.request.destination}/${path}`, { force: true });
    } catch (error) {
      this.warnings.push(
        `${path}: could not remove a temp file left by an interrupted run: ${describeEntryError(error).message}`,
      );
    }
  }

  private async finish(): Promise<void> {
    this.tracker.phase('finishing');
    // Deepest first: fixing a folder's times must come after everything written inside it. Untouched folders
    // whose metadata already matches cost nothing, so a no-op run writes nothing.
    for (const folder of this.foldersToFinish.reverse()) {
      const current = folder.destination;
      const needed =
        current?.kind !== 'dir' ||
        this.touchedFolders.has(folder.path) ||
        describeMetadataDifference(folder.source, current, this.request) !== undefined;
      if (!needed) continue;
      try {
        finishFolder(folder.path, folder.source, this.context);
      } catch (error) {
        this.recordError(folder.path || '.', error);
      }
    }
    await this.cache.save({ prune: true }).catch((error: unknown) => {
      this.warnings.push(`could not save the metadata cache: ${(error as Error).message}`);
    });
  }

  private touch(path: string): void {
    const slash = path.lastIndexOf('/');
    this.touchedFolders.add(slash < 0 ? '' : path.slice(0, slash));
  }

  private report(entry: PlanEntry): void {
    this.request.onPlanEntry?.(entry);
  }

  private recordError(path: string, error: unknown): void {
    this.errors.push({ path, ...describeEntryError(error) });
  }
}

function isWithin(path: string, folder: string): boolean {
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}
