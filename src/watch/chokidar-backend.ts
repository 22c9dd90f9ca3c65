import type {
  RawWatchEvent,
  WatchBackend,
  WatchHandlers,
  WatchOptions,
  WatchSubscription,
} from './watch-backend.js';

const EVENT_TYPES: Record<string, RawWatchEvent['type'] | undefined> = {
  add: 'create',
  addDir: 'create',
  change: 'update',
  unlink: 'delete',
  unlinkDir: 'delete',
};

/**
 * chokidar 4: the fallback where the native module cannot load, and the polling backend (`usePolling`) for
 * network filesystems that send no change events. It holds one watch per file, so it is never the default.
 */
export function chokidarBackend(polling: boolean): WatchBackend {
  return {
    name: polling ? 'polling' : 'chokidar',
    async subscribe(
      folder: string,
      options: WatchOptions,
      handlers: WatchHandlers,
    ): Promise<WatchSubscription> {
      const { watch } = await import('chokidar');
      const watcher = watch(folder, {
        ignoreInitial: true,
        // Watches never keep a process alive (the runner lives by its IPC channel); persistent watches are also
        // shared per path across chokidar instances, and one left over after a removed folder was watched anew
        // outlived its close (seen in tests).
        persistent: false,
        followSymlinks: false,
        // A rename or a rewrite shows as what it is; the watcher's debounce does the waiting.
        atomic: false,
        ...(options.recursive ? {} : { depth: 0 }),
        ignored: (candidate: string) => candidate !== folder && options.isIgnored(candidate),
        usePolling: polling,
        interval: options.pollIntervalMs,
        binaryInterval: options.pollIntervalMs,
      });
      watcher.on('all', (event: string, changed: string) => {
        const type = EVENT_TYPES[event];
        if (type) handlers.events([{ path: changed, type }]);
      });
      watcher.on('error', (error: unknown) =>
        handlers.error(error instanceof Error ? error : new Error(String(error))),
      );
      try {
        await new Promise<void>((resolve, reject) => {
          watcher.once('ready', resolve);
          watcher.once('error', reject);
        });
      } catch (error) {
        // Failed before it was ready (ENOSPC, EMFILE): whatever it did set up must not outlive the attempt.
        await watcher.close();
        throw error;
      }
      return { close: () => watcher.close() };
    },
  };
}
