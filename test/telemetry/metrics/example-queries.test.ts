import fs from 'node:fs';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { DaemonMetrics } from '../../../src/telemetry/metrics/daemon-metrics.js';
import { exerciseEveryMethod, exposedNames } from './exposition.js';
import { metricNamesIn, metricOfLabelValues } from './promql-names.js';

// The Grafana dashboard and the alerting rules may only read metrics the daemon exposes: the names come from a
// live exposition, so renaming a metric without them fails here.
const DASHBOARD = new URL('../../../examples/grafana/sync-daemon-dashboard.json', import.meta.url);
const ALERTS = new URL('../../../examples/prometheus/sync-daemon-alerts.yml', import.meta.url);
// Prometheus's own series for every scrape target.
const SCRAPE_SERIES = new Set(['up']);
// Grafana's reference to the data source variable, written out literally in the dashboard's JSON.
const DATASOURCE = { type: 'prometheus', uid: '$' + '{DS_PROMETHEUS}' };

interface Target {
  expr?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

function readDashboard(): Dashboard {
  return JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

function variableQuery(variable: Variable): string {
  return typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
}

async function liveNames(): Promise<Set<string>> {
  const metrics = new DaemonMetrics({ version: '0.0.0' });
  exerciseEveryMethod(metrics, ['photos', 'music']);
  return exposedNames(await metrics.metricsText());
}

describe('example queries', () => {
  it('finds the metric names in PromQL and nothing else', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (sync_job, le) (rate(a_bucket{sync_job=~"$sync_job", x="y{z}"}[$__rate_interval]))) > 0 unless on (instance) b_total and time() - c',
      ),
    ).to.deep.equal(['a_bucket', 'b_total', 'c']);
    expect(metricOfLabelValues('label_values(d{instance=~"$instance"}, sync_job)')).to.equal('d');
  });

  it('the Grafana dashboard reads only metrics the daemon exposes', async () => {
    const exposed = await liveNames();
    const dashboard = readDashboard();
    const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const used = new Set<string>();
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        const names = metricNamesIn(target.expr ?? '');
        expect(names, `panel "${panel.title}" reads no metric`).to.not.be.empty;
        for (const name of names) {
          expect(exposed.has(name), `panel "${panel.title}" reads ${name}, which the daemon does not expose`)
            .to.be.true;
          used.add(name);
        }
      }
    }
    for (const variable of dashboard.templating.list.filter((each) => each.type === 'query')) {
      const name = metricOfLabelValues(variableQuery(variable));
      expect(name, `variable ${variable.name}`).to.be.a('string');
      expect(exposed.has(name ?? ''), `variable ${variable.name} reads ${name}`).to.be.true;
    }
    expect(used.size).to.be.at.least(15);
  });

  it('the Grafana dashboard asks for its Prometheus and offers a sync_job variable', () => {
    const dashboard = readDashboard();
    expect(dashboard.schemaVersion).to.be.within(36, 41);
    const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]));
    expect(variables.get('DS_PROMETHEUS')).to.deep.include({ type: 'datasource', query: 'prometheus' });
    const job = variables.get('sync_job');
    expect(job && variableQuery(job)).to.match(/^label_values\(sync_daemon_\w+.*, sync_job\)$/);
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).to.equal(dashboard.panels.length);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).to.deep.equal(DATASOURCE);
    }
    const titles = panels.map((panel) => panel.title);
    for (const title of [
      'Runs by result',
      'Sync duration p50 / p95',
      'Files copied, updated, deleted',
      'Bytes copied',
      'Errors by reason',
      'Queue depth and syncs in progress',
      'Runner state',
      'Runner CPU',
      'Runner memory (RSS)',
      'Watcher events',
      'Time since last successful sync',
      'Config reloads',
      'Uptime',
      'Version',
    ]) {
      expect(titles).to.include(title);
    }
  });

  it('the alerting rules read only metrics the daemon exposes (and the scrape’s up)', async () => {
    const exposed = await liveNames();
    const rules = parseYaml(fs.readFileSync(ALERTS, 'utf8')) as {
      groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }>;
    };
    const group = rules.groups.find((each) => each.name === 'sync-daemon');
    expect(group?.rules.map((rule) => rule.alert)).to.have.length(6);
    for (const rule of group?.rules ?? []) {
      const names = metricNamesIn(rule.expr);
      expect(names, rule.alert).to.not.be.empty;
      for (const name of names) {
        expect(exposed.has(name) || SCRAPE_SERIES.has(name), `${rule.alert} reads ${name}`).to.be.true;
      }
    }
  });
});
