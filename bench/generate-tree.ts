import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The benchmark trees of issue 3: seeded content and fixed mtimes, so every run measures the same bytes. */
export type TreeName = 'small' | 'large' | 'mixed' | 'huge';

const GENERATOR_VERSION = 1;
const BASE_MTIME_SECONDS = 1_700_000_000;

interface TreeSpec {
  smallFiles: number;
  folders: number;
  largeFiles: number;
  largeFileBytes: number;
}

const SPECS: Record<TreeName, TreeSpec> = {
  small: { smallFiles: 20_000, folders: 400, largeFiles: 0, largeFileBytes: 0 },
  large: { smallFiles: 0, folders: 0, largeFiles: 8, largeFileBytes: 64 << 20 },
  mixed: { smallFiles: 20_000, folders: 400, largeFiles: 8, largeFileBytes: 64 << 20 },
  huge: { smallFiles: 200_000, folders: 4_000, largeFiles: 0, largeFileBytes: 0 },
};

/** How many files a tree holds, small and large. */
export function fileCountOf(name: TreeName): number {
  return SPECS[name].smallFiles + SPECS[name].largeFiles;
}

/** Makes the tree under `root` unless a marker says this generator version already made it there. */
export function ensureTree(name: TreeName, root: string): string {
  const marker = path.join(root, '.bench-tree');
  const expected = `${name} v${GENERATOR_VERSION}`;
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === expected) return root;
  fs.rmSync(root, { recursive: true, force: true });
  const spec = SPECS[name];
  const random = seededRandom(name);
  const folders = makeFolders(root, spec.folders, random);
  const stream = new ContentStream(name);
  for (let index = 0; index < spec.smallFiles; index++) {
    const folder = folders[Math.floor(random() * folders.length)] ?? root;
    const size = 1024 + Math.floor(random() * 7 * 1024);
    writeWithMtime(path.join(folder, `file-${index}.dat`), stream.next(size), index);
  }
  for (let index = 0; index < spec.largeFiles; index++) {
    const file = path.join(root, 'large', `large-${index}.bin`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const descriptor = fs.openSync(file, 'w');
    for (let written = 0; written < spec.largeFileBytes; written += 4 << 20) {
      fs.writeSync(descriptor, stream.next(Math.min(4 << 20, spec.largeFileBytes - written)));
    }
    fs.closeSync(descriptor);
    fs.utimesSync(file, BASE_MTIME_SECONDS, BASE_MTIME_SECONDS + index);
  }
  fs.writeFileSync(marker, expected);
  fs.utimesSync(marker, BASE_MTIME_SECONDS, BASE_MTIME_SECONDS);
  return root;
}

/** Rewrites `count` files (new content, same size, new mtime) and deletes `deleteCount` others. */
export function modifyTree(root: string, count: number, deleteCount: number, seed: string): void {
  const random = seededRandom(seed);
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.startsWith('file-')) files.push(full);
    }
  };
  walk(root);
  files.sort();
  const stream = new ContentStream(`${seed}-content`);
  for (let index = 0; index < count + deleteCount && files.length > 0; index++) {
    const [file] = files.splice(Math.floor(random() * files.length), 1) as [string];
    if (index < count) writeWithMtime(file, stream.next(fs.statSync(file).size), 1_000_000 + index);
    else fs.rmSync(file);
  }
}

function makeFolders(root: string, count: number, random: () => number): string[] {
  const folders = [{ path: root, depth: 0 }];
  fs.mkdirSync(root, { recursive: true });
  for (let index = 0; index < count; index++) {
    const candidates = folders.filter((folder) => folder.depth < 4);
    const parent = candidates[Math.floor(random() * candidates.length)] ?? folders[0];
    if (!parent) break;
    const folder = { path: path.join(parent.path, `dir-${index}`), depth: parent.depth + 1 };
    fs.mkdirSync(folder.path);
    folders.push(folder);
  }
  return folders.slice(1).map((folder) => folder.path);
}

function writeWithMtime(file: string, content: Buffer, offsetSeconds: number): void {
  fs.writeFileSync(file, content);
  fs.utimesSync(file, BASE_MTIME_SECONDS, BASE_MTIME_SECONDS + offsetSeconds);
}

// AES-CTR with a key derived from the seed: a deterministic byte stream at several GB/s.
class ContentStream {
  private readonly cipher;
  constructor(seed: string) {
    const key = createHash('sha256').update(seed).digest();
    this.cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }
  next(size: number): Buffer {
    return this.cipher.update(Buffer.alloc(size));
  }
}

// mulberry32, seeded from a string.
function seededRandom(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
