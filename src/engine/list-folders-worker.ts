import { parentPort } from 'node:worker_threads';
import { encodeListing } from './folder-listing-codec.js';
import { readFolder } from './read-folder.js';

// The thread behind FolderLister: one synchronous listing per request, answered in order.
parentPort?.on('message', ({ id, path }: { id: number; path: string }) => {
  const { message, transfer } = encodeListing(id, readFolder(path));
  parentPort?.postMessage(message, transfer);
});
