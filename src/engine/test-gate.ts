import fs from 'node:fs';

/**
 * A hold for tests that must act in the middle of a run (kill it, reload, take its lock): with
 * `SYNC_DAEMON_TEST_GATE=<folder>`, a run that has finished `SYNC_DAEMON_TEST_GATE_AFTER` files (default 1) writes
 * `<folder>/reached` (holding its pid) and blocks its thread until `<folder>/open` exists. A disk fast enough to
 * finish the whole tree in a blink cannot outrun such a test. Without the variable this costs nothing.
 * `variable` names another gate of the same kind (the daemon's uploads: SYNC_DAEMON_TEST_UPLOAD_GATE, counted in
 * batches uploaded).
 */
export function makeTestGate(
  env: NodeJS.ProcessEnv = process.env,
  variable = 'SYNC_DAEMON_TEST_GATE',
): ((filesDone: number) => void) | undefined {
  const folder = env[variable];
  if (!folder) return undefined;
  const after = Number(env[`${variable}_AFTER`] ?? 1);
  let passed = false;
  return (filesDone) => {
    if (passed || filesDone < after) return;
    passed = true;
    // Written whole, then renamed: a test that sees `reached` can read the pid at once.
    fs.writeFileSync(`${folder}/reached.tmp-${process.pid}`, String(process.pid));
    fs.renameSync(`${folder}/reached.tmp-${process.pid}`, `${folder}/reached`);
    // The run's own thread waits here, as a run busy on one long step would; Atomics.wait sleeps without spinning.
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    while (!fs.existsSync(`${folder}/open`)) Atomics.wait(sleeper, 0, 0, 10);
  };
}
