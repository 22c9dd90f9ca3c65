import { type ArrivedListing, unpackListings } from './folder-listing-codec.js';
import { comparePreorder, type TreeListingOptions } from './list-tree.js';
import { type FolderListing, readFolder } from './read-folder.js';
import type { ThreadClient } from './thread-client.js';
import { FLOW_CELLS, FlowCell, type TreeNote, type TreeRequest } from './tree-stream-protocol.js';

/** The listings of one tree's folders, asked for in the walk's order (comparePreorder). */
export interface TreeLister {
  listing(relative: string): FolderListing | Promise<FolderListing>;
  /** The walk is over, or gave up: nothing more will be asked. */
  close(): void;
}

/**
 * A test seam, off in production: called just before a folder is listed on the walk's own thread, so a test can
 * make a folder vanish or turn unreadable at that exact moment (test/engine/safety-listing.test.ts).
 */
export const listingTestHooks: { beforeListing?: (absolutePath: string) => void } = {};

function listHere(root: string, relative: string): FolderListing {
  const absolutePath = relative ? `${root}/${relative}` : root;
  listingTestHooks.beforeListing?.(absolutePath);
  return readFolder(absolutePath);
}

/** Lists each folder when the walk reaches it, on the walk's thread. */
export class InlineTree implements TreeLister {
  constructor(private readonly root: string) {}

  listing(relative: string): FolderListing {
    return listHere(this.root, relative);
  }

  close(): void {}
}

/**
 * A tree listed on a listing thread ahead of the walk (list-folders-worker): the thread walks the tree in the
 * walk's own order, so the walk asks for nothing and only takes what arrives. Listings the walk passes over
 * (a destination folder it does not enter) are dropped; a folder the thread did not list (one the walk opened
 * after the thread found it closed), or everything once the thread is lost, is listed here.
 */
export class StreamedTree implements TreeLister {
  private readonly flow = new Int32Array(new SharedArrayBuffer(FLOW_CELLS * Int32Array.BYTES_PER_ELEMENT));
  private arrived: ArrivedListing[] = [];
  private next = 0;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    thread: ThreadClient<TreeRequest, TreeNote>,
    private readonly options: TreeListingOptions,
  ) {
    thread
      .request({ ...options, flow: this.flow.buffer as SharedArrayBuffer }, (note) => this.arrive(note))
      // Lost, the thread has said why (ThreadClient's onFallback); what it did not send is listed here.
      .catch(() => {})
      .finally(() => {
        this.ended = true;
        this.wake?.();
      });
  }

  async listing(relative: string): Promise<FolderListing> {
    for (;;) {
      while (this.next < this.arrived.length) {
        const arrived = this.arrived[this.next] as ArrivedListing;
        const order = comparePreorder(arrived.path, relative);
        if (order > 0) return listHere(this.options.root, relative);
        this.next++;
        this.consume(arrived.weight);
        if (order === 0) return arrived.decode();
      }
      this.arrived = [];
      this.next = 0;
      if (this.ended) return listHere(this.options.root, relative);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  close(): void {
    Atomics.store(this.flow, FlowCell.cancelled, 1);
    Atomics.notify(this.flow, FlowCell.consumed);
    this.arrived = [];
    this.next = 0;
  }

  private arrive(note: TreeNote): void {
    if (note.done) return;
    for (const listing of unpackListings(note.listings)) this.arrived.push(listing);
    this.wake?.();
    this.wake = undefined;
  }

  private consume(weight: number): void {
    Atomics.add(this.flow, FlowCell.consumed, weight);
    Atomics.notify(this.flow, FlowCell.consumed);
  }
}
