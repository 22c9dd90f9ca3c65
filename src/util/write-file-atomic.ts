import { randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Writes through a temp file and a rename, so a crash never leaves half a file under the real name. */
export async function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = tempNameFor(file);
  try {
    await fs.writeFile(temp, content, { mode, flag: 'wx' });
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/**
 * The same, synchronously, into an existing folder: for state written between two steps that must not be
 * interleaved with anything else (the upload spool's cursor), or in a sequence that is synchronous anyway.
 */
export function writeFileAtomicSync(file: string, content: string | Buffer, mode = 0o600): void {
  const temp = tempNameFor(file);
  try {
    fsSync.writeFileSync(temp, content, { mode, flag: 'wx' });
    fsSync.renameSync(temp, file);
  } catch (error) {
    fsSync.rmSync(temp, { force: true });
    throw error;
  }
}

function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}
