import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import PQueue from 'p-queue';
import { displayPath, fsPath } from './byte-names.js';
import { compileFilters } from './compile-filters.js';
import { type DecisionContext, decideEntry } from './decide-entry.js';
import { deleteExtraneous, type PendingDeletion } from './delete-extraneous.js';
import { findDeletionRefusal } from './deletion-guards.js';
import { DestinationFolders } from './destination-folders.js';
import { EntryInstalls } from './entry-installs.js';
import { FolderReplacements } from './folder-replacements.js';
import { listenToHashedBytes, SMALL_FILE_BYTES } from './hash-file.js';
import { inspectRoots, type Roots } from './inspect-roots.js';
import { MetadataCache } from './metadata-cache.js';
import { mirrorRenames } from './mirror-renames.js';
import { sourceHoldsContent } from './source-holds-content.js';
import { describeEntryError } from './sync-entry-error.js';
import { SyncProgressTracker } from './sync-progress-tracker.js';
import { SyncScope } from './sync-scope.js';
import { purgeTrash, RunTrash } from './trash.js';
import type { FileMeta, PlanEntry, SyncFileError, SyncRequest, SyncResult } from './types.js';
import { type WalkEvent, walkTrees } from './walk-trees.js';
import { makeFolder, updateMetadata, type WriteContext } from './write-entry.js';

// Synchronous work is cut into slices so that IPC (a stop request) and timers are served during a long run.
const EVENT_LOOP_SLICE_MS = 20;

/**
 * One run of a job: scan both trees → plan → execute, with at most `maxFileOperations` file operations in
 * flight. Copies come first; deletions run only after every copy succeeded (see delete-extraneous). This
 * module walks and decides; entry-installs, delete-extraneous and destination-folders carry it out.
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
  const stopListening = listenToHashedBytes((bytes) => tracker.hashing(bytes));
  try {
    await run.execute();
  } finally {
    stopListening();
  }
  if (request.signal?.aborted) run.warnings.push('stopped before the end; the next run completes the mirror');
  const outcome = run.errors.length > 0 || request.signal?.aborted ? 'partial' : 'ok';
  // Paths as a user reads them: a byte that is not UTF-8 shows as \xNN (see byte-names).
  const errors = run.errors.map((error) => ({ ...error, path: displayPath(error.path) }));
  return tracker.finish(outcome, request.dryRun, errors, run.warnings);
}

class SyncRun {
  readonly errors: SyncFileError[] = [];
  readonly warnings: string[] = [];
  private readonly context: WriteContext;
  private readonly queue: PQueue;
  private readonly decisionContext: DecisionContext;
  private readonly deletions: PendingDeletion[] = [];
  private readonly folders: DestinationFolders;
  private readonly installs: EntryInstalls;
  // Below a folder that could not be made every entry would fail alike: the folder's one error says it all.
  private readonly failedFolders: string[] = [];
  // Files and links that replace a destination folder: installed once the deletion phase emptied it.
  private readonly replacements: FolderReplacements;
  private sourceHasContent = false;
  private readonly scope: SyncScope | undefined;

  constructor(
    private readonly request: SyncRequest,
    private readonly roots: Roots,
    private readonly cache: MetadataCache,
    private readonly tracker: SyncProgressTracker,
  ) {
    const trash = request.trashDir && !request.dryRun ? RunTrash.create(request.trashDir) : undefined;
    this.context = { ...request, trash };
    this.queue = new PQueue({ concurrency: request.maxFileOperations });
    this.decisionContext = { ...request, cache, coarseTimes: roots.coarseDestinationTimes };
    this.folders = new DestinationFolders(this.context, roots.coarseDestinationTimes);
    this.installs = new EntryInstalls(request, this.context, cache, tracker, this.errors);
    this.replacements = new FolderReplacements(request, {
      folders: this.folders,
      installs: this.installs,
      tracker,
      errors: this.errors,
    });
    this.scope = SyncScope.of(request.paths);
  }

  async execute(): Promise<void> {
    const { request } = this;
    if (request.trashDir && !request.dryRun) {
      await purgeTrash(request.trashDir, request.trashRetentionDays, {
        onEntry: () => this.tracker.deletionTried(),
      });
    }
    if (!this.roots.destination) this.makeFolder('', undefined, 'destination folder does not exist');
    else this.folders.met('', this.roots.destination);
    this.folders.finishLater('', this.roots.source, this.roots.destination);
    this.mirrorRenames();

    const walk = walkTrees(
      {
        source: request.source,
        destination: request.destination,
        filters: request.filters,
        ignoreHiddenFiles: request.ignoreHiddenFiles,
        listInline: request.listInline === true,
        walkExtraneous: request.deleteExtraneous,
        skipDestinationPaths: new Set(request.trashDir ? [request.trashDir] : []),
        scope: this.scope,
        // A dry run changes no mode: it reports such a folder, as rsync --dry-run does.
        ...(request.dryRun
          ? {}
          : { openDestinationFolder: (path: string) => this.folders.openForListing(path) }),
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
      await this.installs.flush();
      if (request.signal?.aborted) break;
      if (performance.now() - sliceStartedAt > EVENT_LOOP_SLICE_MS) {
        await yieldToEventLoop();
        sliceStartedAt = performance.now();
      }
    }
    await this.queue.onIdle();
    await this.installs.drained();
    this.tracker.scanComplete();
    if (request.signal?.aborted) {
      // Stopped: folders are not finished, but none is left writable that was not.
      if (!request.dryRun) this.folders.giveBackModes();
      return;
    }

    let deletions: 'ran' | 'held back' = this.errors.length > 0 ? 'held back' : 'ran';
    if (this.deletions.length > 0) {
      this.tracker.phase('deleting');
      // A scoped run saw a few folders: whether the source still holds anything is asked of the source itself.
      if (this.scope && !this.sourceHasContent)
        this.sourceHasContent = sourceHoldsContent(
          request.source,
          request.filters,
          request.ignoreHiddenFiles,
        );
      deletions = await deleteExtraneous(this.deletions, {
        request,
        context: this.context,
        source: { roots: this.roots, hasContent: this.sourceHasContent },
        errors: this.errors,
        warnings: this.warnings,
        stats: this.tracker.stats,
        report: (entry) => this.report(entry),
        onRemoving: (path) => this.folders.touch(path),
        onProgress: () => this.tracker.deletionTried(),
      });
    }
    await this.replacements.install(deletions);
    if (!request.dryRun) {
      // A trash inside the destination was created in one of its folders, whose mtime then moved.
      const trashInDestination = request.trashDir
        ? path.relative(request.destination, request.trashDir)
        : '..';
      if (!trashInDestination.startsWith('..') && !path.isAbsolute(trashInDestination))
        this.folders.touch(trashInDestination);
      await this.finish();
    }
  }

  /**
   * An incremental run's renames, mirrored as renames before the walk, only where a full run would delete the old
   * side: deletions on, a real run, and no delete guard refusing (see mirror-renames).
   */
  private mirrorRenames(): void {
    const { request } = this;
    if (
      !this.scope ||
      !request.paths ||
      !request.deleteExtraneous ||
      request.dryRun ||
      !this.roots.destination
    )
      return;
    // Asked once: the deletion phase takes the answer from here.
    this.sourceHasContent = sourceHoldsContent(request.source, request.filters, request.ignoreHiddenFiles);
    if (findDeletionRefusal(request, { roots: this.roots, hasContent: this.sourceHasContent })) return;
    const renames = mirrorRenames(request.paths, {
      source: request.source,
      destination: request.destination,
      excluded: compileFilters(request.filters, request.ignoreHiddenFiles),
      maxDelete: request.maxDelete,
    });
    for (const { from, to, kind } of renames) {
      this.folders.touch(from);
      this.folders.touch(to);
      this.tracker.stats.renamed++;
      this.report({ action: 'rename', path: to, kind, reason: `moved from ${displayPath(from)}` });
    }
  }

  /** Handles one walk event; returns a promise only when the walk must wait (backpressure, large files). */
  private handle(event: WalkEvent): void | Promise<void> {
    switch (event.type) {
      case 'folder':
        if (event.destination?.kind === 'dir') this.folders.met(event.path, event.destination);
        else {
          this.makeFolder(
            event.path,
            event.destination,
            event.destination ? `replaces a ${event.destination.kind}` : 'new folder',
          );
        }
        return;
      case 'folder-done':
        if (event.source) this.folders.finishLater(event.path, event.source, event.destination);
        else if (this.replacements.isReplaced(event.path)) {
          this.deletions.push({ path: event.path, kind: 'dir', reason: 'a file or symlink replaces it' });
        } else this.deletions.push({ path: event.path, kind: 'dir' });
        return;
      case 'entry':
        this.tracker.scanned();
        if (event.source.kind === 'file' || event.source.kind === 'symlink') this.sourceHasContent = true;
        if (event.destination?.kind === 'dir') {
          this.folders.met(event.path, event.destination);
          this.replacements.folderReplaced(event.path);
        }
        // Large files go to the queue, so that up to max_file_operations copy or hash at once; the rest is
        // handled inline, where synchronous calls are cheapest.
        if (event.source.kind === 'file' && event.source.size >= SMALL_FILE_BYTES) {
          return this.queue.onSizeLessThan(this.request.maxFileOperations).then(() => {
            this.queue.add(() => this.handleEntry(event));
          });
        }
        return this.handleEntry(event);
      case 'extraneous':
        if (event.destination.kind === 'dir') this.folders.met(event.path, event.destination);
        else if (this.request.deleteExtraneous) {
          this.deletions.push({ path: event.path, kind: event.destination.kind });
        }
        return;
      case 'stale-temp':
        if (!this.request.dryRun) this.removeStaleTemp(event.path);
        return;
      case 'excluded':
        this.tracker.stats.excluded++;
        if (this.request.dryRun) this.replacements.noteExcluded(event.path);
        return;
      case 'unreadable':
        this.recordError(event.path || '.', Object.assign(new Error(event.message), { code: event.code }));
        return;
      default:
        throw new Error(`unexpected walk event ${JSON.stringify(event satisfies never)}`);
    }
  }

  private handleEntry(entry: Extract<WalkEvent, { type: 'entry' }>): void | Promise<void> {
    const { path, source, destination } = entry;
    try {
      const decision = decideEntry(entry, this.decisionContext);
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
      if (source.kind === 'special')
        this.warnings.push(`${displayPath(decision.path)}: skipped, ${decision.reason}`);
      return;
    }
    this.tracker.planned(decision.bytes ?? 0);
    if (destination?.kind === 'dir' && (this.request.deleteExtraneous || this.request.dryRun)) {
      // The folder's content is being walked as extraneous: it goes in the deletion phase, under its guards.
      // A dry run judges it there too, so that its plan says what a real run would do.
      this.replacements.add({ decision, source, destination });
      return;
    }
    if (this.request.dryRun) return this.tracker.done(decision);
    try {
      if (decision.metadataOnly) {
        updateMetadata(decision.path, this.context);
        return this.tracker.done(decision);
      }
    } catch (error) {
      return this.recordError(decision.path, error);
    }
    this.folders.touch(decision.path);
    if (source.kind === 'file' && source.size >= SMALL_FILE_BYTES)
      return this.installs.install({ decision, source, destination });
    this.installs.add({ decision, source, destination });
  }

  private makeFolder(path: string, destination: FileMeta | undefined, reason: string): void {
    this.report({ action: 'mkdir', path, kind: 'dir', reason });
    if (!this.request.dryRun) {
      // Made before the walk goes on, so every entry below finds its folder.
      try {
        if (path) this.folders.touch(path);
        makeFolder(path, destination, this.context);
        // The file or link it replaced went to the trash, like any overwritten file.
        if (destination && this.context.trash) this.tracker.stats.trashed++;
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
      this.folders.touch(path);
      fs.rmSync(fsPath(`${this.request.destination}/${path}`), { force: true });
    } catch (error) {
      this.warnings.push(
        `${displayPath(path)}: could not remove a temp file left by an interrupted run: ${describeEntryError(error).message}`,
      );
    }
  }

  private async finish(): Promise<void> {
    this.tracker.phase('finishing');
    this.folders.finishAll((path, error) => this.recordError(path, error));
    // A scoped run met only part of the tree: the hashes of the rest are still good.
    await this.cache.save({ prune: this.scope === undefined }).catch((error: unknown) => {
      this.warnings.push(`could not save the metadata cache: ${(error as Error).message}`);
    });
  }

  private report(entry: PlanEntry): void {
    const { onPlanEntry } = this.request;
    if (!onPlanEntry) return;
    const shown = displayPath(entry.path);
    onPlanEntry(shown === entry.path ? entry : { ...entry, path: shown });
  }

  private recordError(path: string, error: unknown): void {
    this.errors.push({ path, ...describeEntryError(error) });
  }
}

function isWithin(path: string, folder: string): boolean {
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}
