import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { type EncodedListing, encodeListing } from './folder-listing-codec.js';
import { readFolder } from './read-folder.js';

type ListingRequest = { id: number; path: string };

// Answers sent in one message at most: the walk waits for the first of them.
const MAX_BATCH = 32;

/**
 * The thread behind FolderLister: synchronous listings, answered in order. Requests already waiting are taken
 * at once (receiveMessageOnPort) and their listings sent back together: one message, and one wake-up of the
 * walking thread, for many folders (on the 20,000-file no-op: 13% less CPU, 7% less time).
 */
function answer(port: MessagePort, first: ListingRequest): void {
  const answers: EncodedListing[] = [];
  const transfer: ArrayBuffer[] = [];
  for (let request: ListingRequest | undefined = first; request; ) {
    const encoded = encodeListing(request.id, readFolder(request.path));
    answers.push(encoded.message);
    transfer.push(...encoded.transfer);
    if (answers.length >= MAX_BATCH) port.postMessage(answers.splice(0), transfer.splice(0));
    request = receiveMessageOnPort(port)?.message as ListingRequest | undefined;
  }
  if (answers.length > 0) port.postMessage(answers, transfer);
}

const port = parentPort;
port?.on('message', (request: ListingRequest) => answer(port, request));
