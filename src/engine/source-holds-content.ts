import fs from 'node:fs';
import { fsPath } from './byte-names.js';
import { compileFilters } from './compile-filters.js';
import { isTempName } from './temp-names.js';

/**
 * Whether the source holds one included file or symlink (the SOURCE_EMPTY guard's question), for a run that did
 * not walk the whole source. Stops at the first one found: in a tree with content, a few folders' listings.
 */
export function sourceHoldsContent(
  source: string,
  filters: readonly string[],
  ignoreHiddenFiles: boolean,
): boolean {
  const excluded = compileFilters(filters, ignoreHiddenFiles);
  const pending = [''];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(fsPath(folder ? `${source}/${folder}` : source), { withFileTypes: true });
    } catch {
      // Unreadable: nothing known to be there.
      continue;
    }
    for (const entry of entries) {
      if (isTempName(entry.name)) continue;
      const path = folder ? `${folder}/${entry.name}` : entry.name;
      const isFolder = entry.isDirectory();
      if (excluded(path, isFolder)) continue;
      if (isFolder) pending.push(path);
      else if (entry.isFile() || entry.isSymbolicLink()) return true;
    }
  }
  return false;
}
