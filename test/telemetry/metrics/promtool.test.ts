import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DaemonMetrics } from '../../../src/telemetry/metrics/daemon-metrics.js';
import { isPromtoolInstalled } from '../../helpers/promtool.js';
import { exerciseEveryMethod } from './exposition.js';

// Prometheus's own checker: the exposition passes its lint, the example rules and config load, and the rules'
// unit tests pass. Skipped only where promtool is not installed (Debian: the prometheus package).
const EXAMPLES = fileURLToPath(new URL('../../../examples/prometheus/', import.meta.url));

function runPromtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 15_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('promtool', () => {
  before(function () {
    if (!isPromtoolInstalled()) this.skip();
  });

  it('finds no problem in a full exposition of two jobs', async () => {
    const metrics = new DaemonMetrics({ version: '0.1.0' });
    exerciseEveryMethod(metrics, ['photos', 'music']);
    metrics.setRunnerState('music', 'crashloop');
    const exposition = await metrics.metricsText();
    const { status, output } = runPromtool(['check', 'metrics'], exposition);
    expect(output, 'promtool check metrics').to.equal('');
    expect(status).to.equal(0);
  });

  it('loads the example alerting rules', () => {
    const { status, output } = runPromtool(['check', 'rules', `${EXAMPLES}sync-daemon-alerts.yml`]);
    expect(status, output).to.equal(0);
    expect(output).to.include('SUCCESS: 6 rules found');
  });

  it('passes the alerting rules’ unit tests', () => {
    const { status, output } = runPromtool(['test', 'rules', `${EXAMPLES}sync-daemon-alerts.test.yml`]);
    expect(status, output).to.equal(0);
    expect(output).to.include('SUCCESS');
  });

  it('loads the example Prometheus configuration and the rules it names', () => {
    const { status, output } = runPromtool(['check', 'config', `${EXAMPLES}prometheus.yml`]);
    expect(status, output).to.equal(0);
    expect(output).to.include('SUCCESS: 1 rule files found');
  });
});
