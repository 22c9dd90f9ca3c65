// The least a one-shot no-op can cost in Node.js on this machine: a fresh process that lists both trees (one
// readdir per folder, one lstat per entry, the destination on a worker thread started first, as rsync lists
// them in two processes) and compares sizes and mtimes, with no config, filters, lock, safety check or report.
// The bench runs it beside the CLI and rsync (scenario 12): what the CLI costs above it is ours to cut; what it
// costs above rsync is Node's start-up and per-call cost. Usage: node node-floor.mjs <source> <destination>
import fs from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** Calls `found(path, size, mtimeMs)` for every entry under `root`, folders before their content. */
function listTree(root, found) {
  const folders = [''];
  for (let relative = folders.pop(); relative !== undefined; relative = folders.pop()) {
    const folder = relative ? `${root}/${relative}` : root;
    for (const name of fs.readdirSync(folder).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const stats = fs.lstatSync(`${folder}/${name}`, { throwIfNoEntry: false });
      if (!stats) continue;
      found(path, stats.size, stats.mtimeMs);
      if (stats.isDirectory()) folders.push(path);
    }
  }
}

if (!isMainThread) {
  const paths = [];
  const numbers = [];
  listTree(workerData, (path, size, mtimeMs) => {
    paths.push(path);
    numbers.push(size, mtimeMs);
  });
  parentPort.postMessage({ paths: paths.join('\0'), numbers: Float64Array.from(numbers) });
} else {
  const [source, destination] = process.argv.slice(2);
  const listed = new Promise((resolve) =>
    new Worker(new URL(import.meta.url), { workerData: destination }).once('message', resolve),
  );
  const sourceEntries = new Map();
  listTree(source, (path, size, mtimeMs) => sourceEntries.set(path, [size, mtimeMs]));
  const { paths, numbers } = await listed;
  let differing = 0;
  for (const [index, path] of paths.split('\0').entries()) {
    const entry = sourceEntries.get(path);
    if (!entry || entry[0] !== numbers[2 * index] || entry[1] !== numbers[2 * index + 1]) differing++;
  }
  process.stdout.write(`${differing} differ\n`);
}
