import { parentPort } from 'node:worker_threads';
import {
  fromPortableContext,
  type InstallItem,
  installBatch,
  type PortableWriteContext,
} from './install-batch.js';

// The thread behind InstallerThread: installs a folder's small files while the main thread walks on.
parentPort?.on(
  'message',
  async ({ id, items, context }: { id: number; items: InstallItem[]; context: PortableWriteContext }) => {
    const outcomes = await installBatch(items, fromPortableContext(context));
    parentPort?.postMessage({ id, outcomes });
  },
);
