import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './sync-helpers.js';

/**
 * The test side of src/engine/test-gate.ts: a run started with `env()` holds after `after` files until the test
 * opens the gate, so a test acts mid-run however fast the disk is. Every run of a process with that
 * environment passes through it; the gate stays open once opened.
 */
export class RunGate {
  private constructor(readonly folder: string) {}

  static make(dir: string): RunGate {
    const folder = path.join(dir, 'gate');
    fs.mkdirSync(folder, { recursive: true });
    return new RunGate(folder);
  }

  /** The environment of a process whose runs hold at the gate once `after` files are done. */
  env(after = 1): Record<string, string> {
    return { SYNC_DAEMON_TEST_GATE: this.folder, SYNC_DAEMON_TEST_GATE_AFTER: String(after) };
  }

  /** Waits until a run holds at the gate; resolves with the pid of the process that runs it. */
  async waitUntilHeld(timeoutMs = 15_000): Promise<number> {
    const reached = path.join(this.folder, 'reached');
    await waitFor(() => fs.existsSync(reached), { what: 'a run to hold at the test gate', timeoutMs });
    return Number(fs.readFileSync(reached, 'utf8'));
  }

  /** Lets every held run go on, and every later run pass. */
  open(): void {
    fs.writeFileSync(path.join(this.folder, 'open'), '');
  }
}
