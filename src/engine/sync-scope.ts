/**
 * The part of the trees an incremental run (a watcher's changed paths) looks at: each changed path with all
 * that lies under it, and the folders on the way to them. Everything else is neither listed nor touched, so a
 * run over one changed file of a 200,000-file tree costs a few folders' listings, not the tree's.
 */
export class SyncScope {
  private readonly roots: ReadonlySet<string>;
  private readonly ancestors = new Set<string>();

  /** `paths`: relative to the roots, "/"-separated; undefined when one of them is the roots themselves. */
  static of(paths: readonly string[] | undefined): SyncScope | undefined {
    if (paths === undefined || paths.some((path) => path === '' || path === '.')) return undefined;
    return new SyncScope(paths);
  }

  private constructor(paths: readonly string[]) {
    this.roots = new Set(paths);
    for (const path of paths) {
      for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1))
        this.ancestors.add(path.slice(0, slash));
    }
  }

  /** A changed path or something under one: handled as a full run would. */
  covers(path: string): boolean {
    if (this.roots.has(path)) return true;
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1))
      if (this.roots.has(path.slice(0, slash))) return true;
    return false;
  }

  /** A folder on the way to a changed path: entered, and within it only what the scope names. */
  leadsTo(path: string): boolean {
    return this.ancestors.has(path);
  }

  get size(): number {
    return this.roots.size;
  }
}
