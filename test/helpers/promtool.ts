import { spawnSync } from 'node:child_process';

/** Whether Prometheus's checker is here (Debian: the prometheus package, which .ci/run installs). */
export function isPromtoolInstalled(): boolean {
  return spawnSync('promtool', ['--version']).error === undefined;
}
