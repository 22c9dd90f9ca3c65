import type { ServiceManager } from './service-settings.js';

/** A file a plan writes (install) or removes (uninstall). */
export interface PlannedFile {
  path: string;
  content: string;
  mode: number;
}

/** A command a plan runs, through execa (no shell: each argument as it is). */
export interface PlannedCommand {
  command: string;
  args: string[];
  /** What it is for, said in dry runs and in errors. */
  why: string;
  /** Its failure is no failure (stopping what may not run). */
  tolerate?: boolean;
}

/**
 * Everything an install or uninstall does, decided before anything is done: `--dry-run` prints it, and a run
 * carries it out in order (files, then commands for an install; commands, then files for an uninstall), undoing
 * what it did when a step fails.
 */
export interface ServicePlan {
  action: 'install' | 'uninstall';
  manager: ServiceManager;
  name: string;
  /** Folders made first (install). */
  folders: string[];
  /** Written (install) or removed (uninstall). */
  files: PlannedFile[];
  /** Copied, as WinSW's executable is into the service folder: [from, to]. */
  copies: [string, string][];
  commands: PlannedCommand[];
  /** Run once the files are removed (uninstall: systemd forgets the unit). */
  after: PlannedCommand[];
  /**
   * When a command of an install fails after others succeeded: `undo` runs (best effort) before the files are put
   * back as they were, `afterUndo` after (a replaced service brought back).
   */
  undo: PlannedCommand[];
  afterUndo: PlannedCommand[];
  /** Lines for the user once it is done: how to see the service, its logs, how to remove it. */
  notes: string[];
}

/** A command line as a shell would take it back: arguments with spaces or quotes are single-quoted. */
export function formatCommand({ command, args }: Pick<PlannedCommand, 'command' | 'args'>): string {
  return [command, ...args]
    .map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
