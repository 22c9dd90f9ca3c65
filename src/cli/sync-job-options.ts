import type { LoadedConfig } from '../config/load-config.js';
import type { TriggerOutcome } from '../control/daemon-api.js';
import type { PlanEntry, SyncResult } from '../engine/types.js';

// The types of `sync <job>`, apart from sync-job.ts: run-job-once.ts, which sync-job.ts loads on demand, needs
// them without importing its loader (no cycle).

export interface SyncCommandResult {
  job: string;
  /** Who ran it: the running daemon (its runner), or this process because no daemon answers. */
  via: 'daemon' | 'one-shot';
  runId?: string;
  /** Via the daemon: what became of the request (a new run, merged into a waiting one, after the current one). */
  trigger?: TriggerOutcome;
  /** Absent when the daemon was asked without --wait; from a daemon, with the count of errors it left out. */
  result?: SyncResult & { errorsOmitted?: number };
  /** One-shot --dry-run: every planned change (skips left out). */
  plan?: PlanEntry[];
}

/** What `sync` was asked, whoever parsed the command line: the oclif command or its fast path (fast-cli.ts). */
export interface SyncJobOptions {
  job: string;
  dryRun: boolean;
  wait: boolean;
  json: boolean;
  socketPath: () => Promise<string>;
  loadConfig: () => Promise<LoadedConfig>;
  /** One line of human output (never called with --json). */
  log: (line: string) => void;
}
