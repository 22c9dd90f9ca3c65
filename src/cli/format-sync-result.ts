import { omittedErrors } from '../engine/omitted-errors.js';
import type { PlanEntry, SyncResult } from '../engine/types.js';
import { formatBytes } from './format-bytes.js';

/** One line per planned change, as a dry run shows it: `copy    notes/todo.md  (new file)`. */
export function formatPlanEntry(entry: PlanEntry): string {
  const shown = entry.path === '' ? '.' : entry.kind === 'dir' ? `${entry.path}/` : entry.path;
  return `${entry.action.padEnd(7)} ${JSON.stringify(shown).slice(1, -1)}  (${entry.reason})`;
}

/** The end-of-run summary: outcome, counts and every error with its path (or, from a daemon, the first few). */
export function formatSyncResult(jobId: string, result: SyncResult): string {
  const { stats } = result;
  const seconds = (stats.durationMs / 1000).toFixed(stats.durationMs < 10_000 ? 2 : 1);
  const verb = result.dryRun ? 'would be ' : '';
  const counts = [
    `${stats.copied} ${verb}copied`,
    `${stats.updated} ${verb}updated`,
    `${stats.deleted} ${verb}deleted${stats.trashed > 0 ? ` (${stats.trashed} to the trash)` : ''}`,
    // Only incremental runs (a daemon's watchers) rename; older daemons' results have no count.
    ...(stats.renamed ? [`${stats.renamed} renamed`] : []),
    `${stats.skipped} skipped`,
    `${stats.excluded} excluded`,
    `${formatBytes(stats.bytesCopied)} ${verb}written`,
  ];
  const lines = [
    `${jobId}: ${result.dryRun ? 'dry run, nothing written: ' : ''}${result.outcome} in ${seconds} s, ${stats.filesScanned} files scanned`,
    `  ${counts.join(', ')}`,
  ];
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  for (const error of result.errors) {
    lines.push(`  error: ${error.path ? `${error.path}: ` : ''}${error.message} (${error.code})`);
  }
  // A daemon's result carries the first errors only; its stats count them all.
  const errorsOmitted = omittedErrors(stats, result.errors.length);
  if (errorsOmitted > 0) lines.push(`  … and ${errorsOmitted} more errors (${stats.errors} in all)`);
  return `${lines.join('\n')}\n`;
}
