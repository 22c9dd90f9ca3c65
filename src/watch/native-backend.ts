import type { WatchBackend, WatchHandlers, WatchOptions, WatchSubscription } from './watch-backend.js';

type ParcelWatcher = typeof import('@parcel/watcher');

/**
 * @parcel/watcher: inotify, FSEvents or ReadDirectoryChangesW, one watch per folder (chokidar sets one per file:
 * 20,401 watches for a 20,000-file tree, against 401). Loaded on first use: `loadNativeBackend` throws where the
 * native module has no build for the platform, and the caller falls back to chokidar.
 */
export async function loadNativeBackend(): Promise<WatchBackend> {
  const module = (await import('@parcel/watcher')) as ParcelWatcher & { default?: ParcelWatcher };
  const parcel = module.default ?? module;
  return {
    name: 'native',
    async subscribe(
      folder: string,
      options: WatchOptions,
      handlers: WatchHandlers,
    ): Promise<WatchSubscription> {
      const subscription = await parcel.subscribe(
        folder,
        (error, events) => {
          if (error) handlers.error(error);
          else if (events.length) handlers.events(events);
        },
        // Left out folders are never watched; the watcher filters every event again, as it must for new folders.
        {
          ignore: [...options.ignoredGlobs],
          // Left to itself it prefers watchman where one is installed: inotify is the backend measured here.
          ...(process.platform === 'linux' ? { backend: 'inotify' as const } : {}),
        },
      );
      return { close: () => subscription.unsubscribe() };
    },
  };
}
