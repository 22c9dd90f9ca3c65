import net from 'node:net';
import { expect } from 'chai';
import sinon from 'sinon';
import {
  type HealthReport,
  type MetricsServer,
  type MetricsServerOptions,
  startMetricsServer,
} from '../../../src/telemetry/metrics/metrics-server.js';
import { waitFor } from '../../helpers/sync-helpers.js';

const EXPOSITION = '# HELP sync_daemon_queue_depth Runs waiting.\n# TYPE sync_daemon_queue_depth gauge\n';
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

describe('startMetricsServer', () => {
  let servers: MetricsServer[];
  let blockers: net.Server[];
  let problems: string[];
  let health: HealthReport;

  async function start(overrides: Partial<MetricsServerOptions> = {}): Promise<MetricsServer> {
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: async () => ({ text: EXPOSITION, contentType: CONTENT_TYPE }),
      health: () => health,
      onProblem: (message) => problems.push(message),
      ...overrides,
    });
    servers.push(server);
    return server;
  }

  /** A plain TCP server holding a free port of 127.0.0.1, as another program would. */
  async function holdPort(port = 0): Promise<{ blocker: net.Server; port: number }> {
    const blocker = net.createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(port, '127.0.0.1', resolve);
    });
    return { blocker, port: (blocker.address() as net.AddressInfo).port };
  }

  function closeBlocker(blocker: net.Server): Promise<void> {
    return new Promise((resolve) => blocker.close(() => resolve()));
  }

  function urlOf(server: MetricsServer, path: string): string {
    return `http://${server.state().address}${path}`;
  }

  beforeEach(() => {
    servers = [];
    blockers = [];
    problems = [];
    health = { ok: true };
  });

  afterEach(async () => {
    sinon.restore();
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(blockers.filter((blocker) => blocker.listening).map(closeBlocker));
  });

  it('listens on port 0 and says which port it got', async () => {
    const server = await start();
    const state = server.state();
    expect(state.listening).to.equal(true);
    expect(state.address).to.match(/^127\.0\.0\.1:\d+$/);
    expect(state.address).to.not.equal('127.0.0.1:0');
    expect(state).to.not.have.property('problem');
  });

  it('answers GET /metrics with the exposition and its content type', async () => {
    const server = await start();
    const response = await fetch(urlOf(server, '/metrics?name[]=ignored'));
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal(CONTENT_TYPE);
    expect(await response.text()).to.equal(EXPOSITION);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const server = await start();
    const response = await fetch(urlOf(server, '/metrics'), { method: 'HEAD' });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-length')).to.equal(String(Buffer.byteLength(EXPOSITION)));
    expect(await response.text()).to.equal('');
  });

  it('answers /healthz with 200 "ok" when healthy and 503 with the reason when not', async () => {
    const server = await start();
    let response = await fetch(urlOf(server, '/healthz'));
    expect(response.status).to.equal(200);
    expect(await response.text()).to.equal('ok\n');
    health = { ok: false, reason: 'the config could not be loaded' };
    response = await fetch(urlOf(server, '/healthz'));
    expect(response.status).to.equal(503);
    expect(await response.text()).to.equal('the config could not be loaded\n');
  });

  it('answers 404 to any other path and 405 to any other method', async () => {
    const server = await start();
    let response = await fetch(urlOf(server, '/'));
    expect(response.status).to.equal(404);
    expect(await response.text()).to.include('/metrics and /healthz');
    response = await fetch(urlOf(server, '/metrics'), { method: 'POST', body: 'x' });
    expect(response.status).to.equal(405);
    expect(response.headers.get('allow')).to.equal('GET, HEAD');
    await response.text();
  });

  it('answers 500 and reports the problem when collecting the metrics fails', async () => {
    const server = await start({
      metrics: () => Promise.reject(new Error('registry broke')),
    });
    const response = await fetch(urlOf(server, '/metrics'));
    expect(response.status).to.equal(500);
    expect(await response.text()).to.include('registry broke');
    expect(problems).to.deep.equal(['metrics: answering /metrics failed: registry broke']);
  });

  it('reports a taken port once without throwing, retries, and listens once the port is freed', async () => {
    const { blocker, port } = await holdPort();
    const listen = sinon.spy(net.Server.prototype, 'listen');
    const server = await start({ port, retryMs: 20 });
    expect(server.state()).to.deep.include({ listening: false, address: `127.0.0.1:${port}` });
    expect(server.state().problem).to.equal(
      `metrics: 127.0.0.1:${port} is in use; set [metrics] address to another port, or "off"; retrying every 20 ms`,
    );
    await waitFor(() => listen.callCount >= 3, { what: 'two retries' });
    expect(problems).to.have.length(1);
    await closeBlocker(blocker);
    await waitFor(() => server.state().listening, { what: 'the server to listen on the freed port' });
    expect(server.state()).to.deep.equal({ listening: true, address: `127.0.0.1:${port}` });
    expect((await fetch(urlOf(server, '/healthz'))).status).to.equal(200);
    expect(problems).to.have.length(1);
  });

  it('reports an address this machine does not have without throwing', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of a real interface.
    const server = await start({ host: '192.0.2.1', port: 9999, retryMs: 60_000 });
    expect(server.state().listening).to.equal(false);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^metrics: cannot listen on 192\.0\.2\.1:9999: .*no network interface/);
    expect(problems[0]).to.match(/retrying every 60 s$/);
  });

  it('stops retrying once closed', async () => {
    const { port } = await holdPort();
    // Only the retry timer is faked: binding, and its failure, stay real.
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const listen = sinon.spy(net.Server.prototype, 'listen');
    const server = await start({ port, retryMs: 1000 });
    expect(clock.countTimers()).to.equal(1);
    await server.close();
    expect(clock.countTimers()).to.equal(0);
    clock.tick(5000);
    expect(listen.callCount).to.equal(1);
    expect(server.state().listening).to.equal(false);
  });

  it('closes with a scraper’s keep-alive connection still open', async () => {
    const server = await start();
    const response = await fetch(urlOf(server, '/metrics'), { headers: { connection: 'keep-alive' } });
    await response.text();
    await server.close();
    expect(server.state().listening).to.equal(false);
  });
});
