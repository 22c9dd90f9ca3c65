import { chokidarBackend } from './chokidar-backend.js';
import { loadNativeBackend } from './native-backend.js';
import type { WatchBackend } from './watch-backend.js';

export type BackendSetting = 'auto' | 'native' | 'chokidar' | 'polling';

export interface ChosenBackend {
  backend: WatchBackend;
  /** Why the backend asked for is not the one running (the native module did not load), for the log. */
  fallbackReason?: string;
}

/** The backend a watcher's `backend` key asks for; `auto` and `native` fall back to chokidar if the native one cannot load. */
export async function chooseBackend(setting: BackendSetting): Promise<ChosenBackend> {
  if (setting === 'chokidar' || setting === 'polling')
    return { backend: chokidarBackend(setting === 'polling') };
  try {
    return { backend: await loadNativeBackend() };
  } catch (error) {
    return {
      backend: chokidarBackend(false),
      fallbackReason: `the native watcher (@parcel/watcher) did not load (${(error as Error).message}); using chokidar, which holds one watch per file`,
    };
  }
}
