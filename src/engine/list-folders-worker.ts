import { type MessagePort, parentPort } from 'node:worker_threads';
import { ListingBatch, listingWeight } from './folder-listing-codec.js';
import { listTree } from './list-tree.js';
import { AHEAD_LIMIT, FlowCell, type TreeNote, type TreeRequest } from './tree-stream-protocol.js';

// Entries sent in one message: the first message small, so the walk starts at once, then larger, since each
// message costs this thread (the one the walk waits for) ~0.1 ms. Sending whenever the walk waited cost ~5% of
// a 200,000-file no-op in postMessage alone.
const FIRST_BATCH_ENTRIES = 256;
const MAX_BATCH_ENTRIES = 4096;

/**
 * The thread behind openListedTree (folder-lister): lists a whole tree in the walk's order and streams it back in batches,
 * never more than AHEAD_LIMIT entries ahead of what the walk has taken. What it has listed goes out before it
 * waits for the walk, so the walk never waits for a listing made already.
 */
function streamTree(port: MessagePort, request: TreeRequest & { id: number }): void {
  const flow = new Int32Array(request.flow);
  const batch = new ListingBatch();
  const send = (): void => {
    if (batch.size.folders === 0) return;
    const { message, transfer } = batch.take();
    port.postMessage({ id: request.id, done: false, listings: message } satisfies TreeNote, transfer);
  };
  let sent = 0;
  let batchEntries = FIRST_BATCH_ENTRIES;
  for (const { path, listing } of listTree(request)) {
    if (Atomics.load(flow, FlowCell.cancelled) === 1) break;
    batch.add(path, listing);
    sent = (sent + listingWeight(listing)) | 0;
    if (batch.size.entries >= batchEntries) {
      send();
      batchEntries = Math.min(batchEntries * 2, MAX_BATCH_ENTRIES);
    }
    for (;;) {
      const consumed = Atomics.load(flow, FlowCell.consumed);
      if (((sent - consumed) | 0) < AHEAD_LIMIT || Atomics.load(flow, FlowCell.cancelled) === 1) break;
      send();
      Atomics.wait(flow, FlowCell.consumed, consumed);
    }
  }
  send();
  port.postMessage({ id: request.id, done: true } satisfies TreeNote);
}

const port = parentPort;
port?.on('message', (request: TreeRequest & { id: number }) => streamTree(port, request));
