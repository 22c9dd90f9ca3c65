import ignore from 'ignore';

/** Says whether a path (relative to the roots, "/"-separated) is left out of a run, on both sides. */
export type PathFilter = (relativePath: string, isDirectory: boolean) => boolean;

/**
 * gitignore syntax with rsync's rule for slashes: a pattern with a slash in the middle (`.git/*`) matches at any
 * depth unless it starts with `/`, where gitignore would anchor it to the root. Patterns are case-sensitive.
 */
export function compileFilters(patterns: readonly string[], ignoreHiddenFiles: boolean): PathFilter {
  // Case-sensitive, as rsync and git on Linux: `ignore` would otherwise let `cache/` exclude `Cache/`.
  const matcher = ignore({ allowRelativePaths: false, ignorecase: false }).add(patterns.map(toAnyDepth));
  const hasPatterns = patterns.length > 0;
  return (relativePath, isDirectory) => {
    if (ignoreHiddenFiles && isHidden(relativePath)) return true;
    return hasPatterns && matcher.ignores(isDirectory ? `${relativePath}/` : relativePath);
  };
}

/** Whether a folder above `relativePath` is left out: then so is the path, as the walk never enters it. */
export function isUnderExcludedFolder(excluded: PathFilter, relativePath: string): boolean {
  for (let slash = relativePath.indexOf('/'); slash !== -1; slash = relativePath.indexOf('/', slash + 1))
    if (excluded(relativePath.slice(0, slash), true)) return true;
  return false;
}

function toAnyDepth(pattern: string): string {
  const negated = pattern.startsWith('!');
  const body = negated ? pattern.slice(1) : pattern;
  const withoutTrailingSlash = body.endsWith('/') ? body.slice(0, -1) : body;
  const anchored = body.startsWith('/') || body.startsWith('**/');
  const rewritten = !anchored && withoutTrailingSlash.includes('/') ? `**/${body}` : body;
  return negated ? `!${rewritten}` : rewritten;
}

function isHidden(relativePath: string): boolean {
  const slash = relativePath.lastIndexOf('/');
  return relativePath.charCodeAt(slash + 1) === 46; // "."
}
