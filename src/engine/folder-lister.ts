import type { TreeListingOptions } from './list-tree.js';
import { startModuleWorker } from './start-module-worker.js';
import { ThreadClient } from './thread-client.js';
import { InlineTree, StreamedTree, type TreeLister } from './tree-listers.js';
import type { TreeNote, TreeRequest } from './tree-stream-protocol.js';
import { reportWorkerFallback } from './worker-fallback.js';

export type TreeSide = 'source' | 'destination';

// Trees are listed on worker threads, one per side: the two trees' lstat calls, most of a no-op run, then cost
// the time of one, and the walk's thread is left to compare and copy (measured on 20,000 files: the walk's own
// lstat calls alone took ~105 ms of a ~260 ms run). One worker per side and process, started on first use,
// never keeping the process alive while idle; where one cannot start, or once one dies, listing runs inline.
const threads = new Map<TreeSide, ThreadClient<TreeRequest, TreeNote>>();

/** A tree's listings, from that side's thread when there is one, else listed as the walk reaches them. */
export function openListedTree(options: TreeListingOptions, side: TreeSide): TreeLister {
  const thread = listingThread(side);
  return thread.tryStart() ? new StreamedTree(thread, options) : new InlineTree(options.root);
}

function listingThread(side: TreeSide): ThreadClient<TreeRequest, TreeNote> {
  let thread = threads.get(side);
  if (!thread) {
    thread = new ThreadClient<TreeRequest, TreeNote>({
      name: `${side} listing`,
      start: () => startModuleWorker('list-folders-worker', import.meta.url),
      afterLoss: 'stay-inline',
      isAnswer: (note) => note.done,
      onFallback: (error) => reportWorkerFallback('folder listing', error),
    });
    threads.set(side, thread);
  }
  return thread;
}
