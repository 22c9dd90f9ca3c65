import { SingleBar } from 'cli-progress';
import type { SyncProgress } from '../engine/types.js';
import { formatBytes } from './format-bytes.js';

/**
 * A progress bar on stderr for a terminal (nothing otherwise). The total grows while the scan finds work, so
 * the bar says "scanning" until the plan is complete.
 */
export class SyncProgressBar {
  private readonly bar: SingleBar | undefined;
  private started = false;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    if (!stream.isTTY) return;
    this.bar = new SingleBar({
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} files | {bytes} | {status}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    });
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
