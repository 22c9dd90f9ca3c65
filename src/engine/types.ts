/** What the engine needs to know about one path on either side, from a single lstat. */
export interface FileMeta {
  kind: EntryKind;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  mode: number;
  ino: number;
}

export type EntryKind = 'file' | 'dir' | 'symlink' | 'special';

export type ComparisonMethod = 'mtime' | 'checksum' | 'size';

export type PlanAction = 'mkdir' | 'copy' | 'update' | 'delete' | 'rename' | 'skip';

/** One decision of a run, with the reason a user would ask for. Paths are relative to the roots, with "/". */
export interface PlanEntry {
  action: PlanAction;
  path: string;
  kind: EntryKind;
  reason: string;
  /** Bytes the action writes (copy and update of content). */
  bytes?: number;
  /** An update that fixes mode or times of a file whose content is already right. */
  metadataOnly?: boolean;
}

/** Everything a run needs; the engine reads no config and knows no process. */
export interface SyncRequest {
  source: string;
  destination: string;
  /** gitignore patterns, relative to the source root, with rsync's any-depth rule (see compile-filters). */
  filters: readonly string[];
  ignoreHiddenFiles: boolean;
  comparison: ComparisonMethod;
  preservePermissions: boolean;
  preserveTimestamps: boolean;
  deleteExtraneous: boolean;
  /** Refuse a run that would delete more files than this (undefined: no limit). */
  maxDelete?: number;
  /** A file that must exist in the source root before anything is deleted (Syncthing's `.stfolder`). */
  sourceMarker?: string;
  /** Move deleted and overwritten files under this folder instead of losing them. */
  trashDir?: string;
  trashRetentionDays: number;
  fsync: boolean;
  dryRun: boolean;
  maxFileOperations: number;
  /** Persistent content-hash cache (checksum mode); absent: hashes live for this run only. */
  metadataCacheFile?: string;
  metadataCacheTtlMs: number;
  /**
   * List folders on this thread rather than on the listing threads. For a process that runs one sync and ends
   * (the one-shot CLI): there, starting the threads and handing listings across cost more than they save (on
   * 2 cores: 20,000-file no-op 30% less CPU and 10% less time; 200,000 files the same time for 40% less CPU).
   */
  listInline?: boolean;
  /**
   * An incremental run: only these paths (relative to the roots, "/"-separated), what lies under them and the
   * folders on the way, under every rule of a full run. Absent: the whole tree.
   */
  paths?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  /** Receives every decision, skips included; a dry run's plan is this stream. */
  onPlanEntry?: (entry: PlanEntry) => void;
}

export interface SyncProgress {
  phase: 'scanning' | 'copying' | 'deleting' | 'finishing';
  filesScanned: number;
  filesDone: number;
  /** Files and bytes the plan has asked for so far; final once `scanComplete`. */
  filesPlanned: number;
  bytesDone: number;
  bytesPlanned: number;
  /** Bytes of content read to compare (checksum mode), so that a long hash shows progress. */
  bytesHashed?: number;
  /** Entries the deletion phase and the trash purge went through. */
  entriesDeleted?: number;
  scanComplete: boolean;
}

export interface SyncStats {
  filesScanned: number;
  copied: number;
  updated: number;
  deleted: number;
  /** Files and folders moved in the destination as they were in the source (incremental runs). */
  renamed: number;
  trashed: number;
  skipped: number;
  excluded: number;
  directoriesCreated: number;
  bytesCopied: number;
  errors: number;
  durationMs: number;
}

export interface SyncFileError {
  path: string;
  code: string;
  message: string;
}

export type SyncOutcome = 'ok' | 'partial' | 'failed';

export interface SyncResult {
  outcome: SyncOutcome;
  dryRun: boolean;
  stats: SyncStats;
  errors: SyncFileError[];
  warnings: string[];
}
