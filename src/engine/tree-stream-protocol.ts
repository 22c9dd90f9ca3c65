import type { EncodedListings } from './folder-listing-codec.js';
import type { TreeListingOptions } from './list-tree.js';

/** What the walk asks a listing thread for: a whole tree, streamed back in the walk's order. */
export interface TreeRequest extends TreeListingOptions {
  /** An Int32Array of FLOW_CELLS cells that both threads share for this tree (see FlowCell). */
  flow: SharedArrayBuffer;
}

/** Listings on their way (`done: false`), then one `done: true` once the tree is listed or the walk gave up. */
export type TreeNote = { id: number; done: false; listings: EncodedListings } | { id: number; done: true };

/** The cells of `TreeRequest.flow`. */
export const FlowCell = {
  /** The weight (listingWeight) of the listings the walk has taken or passed over: it only grows. */
  consumed: 0,
  /** Set by the walk when it ends early: the thread stops listing. */
  cancelled: 1,
} as const;
export const FLOW_CELLS = 2;

/**
 * How far, in entries, a listing thread may run ahead of the walk: the memory of a few folders' listings, and
 * enough that the thread never idles while the walk compares.
 */
export const AHEAD_LIMIT = 8192;
