import { makeTestGate } from './test-gate.js';
import type { PlanEntry, SyncFileError, SyncOutcome, SyncProgress, SyncResult, SyncStats } from './types.js';

// Progress is for eyes and for the supervisor: ten updates a second are plenty and cost nothing per file.
const PROGRESS_INTERVAL_MS = 100;

/** A run's counters before anything happened. */
export function emptySyncStats(): SyncStats {
  return {
    filesScanned: 0,
    copied: 0,
    updated: 0,
    deleted: 0,
    trashed: 0,
    skipped: 0,
    excluded: 0,
    directoriesCreated: 0,
    renamed: 0,
    bytesCopied: 0,
    errors: 0,
    durationMs: 0,
  };
}

/** Counts a run's work and reports progress at a bounded rate. */
export class SyncProgressTracker {
  readonly stats: SyncStats = emptySyncStats();
  private readonly startedAt = performance.now();
  private progress: Required<SyncProgress> = {
    phase: 'scanning',
    filesScanned: 0,
    filesDone: 0,
    filesPlanned: 0,
    bytesDone: 0,
    bytesPlanned: 0,
    bytesHashed: 0,
    entriesDeleted: 0,
    scanComplete: false,
  };
  private lastEmitAt = 0;
  private readonly testGate = makeTestGate();

  constructor(private readonly onProgress: ((progress: SyncProgress) => void) | undefined) {}

  scanned(): void {
    this.stats.filesScanned++;
    this.progress.filesScanned++;
    this.emit(false);
  }

  planned(bytes: number): void {
    this.progress.filesPlanned++;
    this.progress.bytesPlanned += bytes;
    if (this.progress.phase === 'scanning') this.progress.phase = 'copying';
  }

  /** An entry is done; `bytesReported` of its bytes were already counted while it was being copied. */
  done(entry: PlanEntry, bytesReported = 0): void {
    if (entry.action === 'copy') this.stats.copied++;
    else if (entry.action === 'update') this.stats.updated++;
    this.stats.bytesCopied += entry.bytes ?? 0;
    this.progress.filesDone++;
    this.progress.bytesDone += (entry.bytes ?? 0) - bytesReported;
    this.emit(false);
    this.testGate?.(this.progress.filesDone);
  }

  /*
   * The steps below can each take minutes on one entry or one folder: reported as they go, so that a
   * supervisor's no-progress timeout (sync_timeout_secs) never takes a healthy run for a hung one.
   */

  /** Bytes of a large file copied so far (negative: a failed copy takes back what it reported). */
  copying(bytes: number): void {
    this.progress.bytesDone += bytes;
    this.emit(false);
  }

  hashing(bytes: number): void {
    this.progress.bytesHashed += bytes;
    this.emit(false);
  }

  /** One entry of the deletion phase or of the trash purge went (or was tried). */
  deletionTried(): void {
    this.progress.entriesDeleted++;
    this.emit(false);
  }

  scanComplete(): void {
    this.progress.scanComplete = true;
    this.emit(true);
  }

  phase(phase: SyncProgress['phase']): void {
    this.progress.phase = phase;
    this.emit(true);
  }

  finish(outcome: SyncOutcome, dryRun: boolean, errors: SyncFileError[], warnings: string[]): SyncResult {
    this.stats.durationMs = Math.round(performance.now() - this.startedAt);
    this.stats.errors = errors.length;
    return { outcome, dryRun, stats: { ...this.stats }, errors, warnings };
  }

  private emit(force: boolean): void {
    if (!this.onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastEmitAt < PROGRESS_INTERVAL_MS) return;
    this.lastEmitAt = now;
    this.onProgress({ ...this.progress });
  }
}
