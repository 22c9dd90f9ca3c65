import type { SingleBar } from 'cli-progress';
import type { SyncProgress } from '../engine/types.js';
import { formatBytes } from './format-bytes.js';

/**
 * A progress bar on stderr for a terminal (nothing otherwise). The total grows while the scan finds work, so
 * the bar says "scanning" until the plan is complete.
 */
export class SyncProgressBar {
  private started = false;

  private constructor(private readonly bar: SingleBar | undefined) {}

  // cli-progress is loaded only for a terminal: scripts and the fast paths (fast-cli.ts) never pay for it.
  static async create(label: string, stream: NodeJS.WriteStream = process.stderr): Promise<SyncProgressBar> {
    if (!stream.isTTY) return new SyncProgressBar(undefined);
    // module.exports, as Node and a bundle both give a CommonJS package's default export.
    const { SingleBar } = (await import('cli-progress')).default;
    return new SyncProgressBar(
      new SingleBar({
        stream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} files | {bytes} | {status}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
      }),
    );
  }

  update(progress: SyncProgress): void {
    if (!this.bar) return;
    const payload = {
      bytes: `${formatBytes(progress.bytesDone)}/${formatBytes(progress.bytesPlanned)}`,
      status: progress.scanComplete ? progress.phase : `scanning (${progress.filesScanned} seen)`,
    };
    const total = Math.max(progress.filesPlanned, 1);
    if (!this.started) {
      this.bar.start(total, progress.filesDone, payload);
      this.started = true;
    } else {
      this.bar.setTotal(total);
      this.bar.update(progress.filesDone, payload);
    }
  }

  stop(): void {
    if (this.started) this.bar?.stop();
  }
}
