import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeBindProblem } from './describe-bind-problem.js';
import { formatMetricsAddress } from './parse-metrics-address.js';

export {
  type MetricsAddress,
  type ParsedMetricsAddress,
  parseMetricsAddress,
} from './parse-metrics-address.js';

const DEFAULT_RETRY_MS = 30_000;
const TEXT = 'text/plain; charset=utf-8';

/** What `/healthz` reports: healthy, or why not. */
export type HealthReport = { ok: true } | { ok: false; reason: string };

export interface MetricsServerOptions {
  host: string;
  /** 0 takes any free port; `state().address` then says which. */
  port: number;
  /** The exposition a scrape gets. */
  metrics: () => Promise<{ text: string; contentType: string }>;
  health: () => HealthReport;
  /** Told of what stops the server from serving: once per bind problem (not on every retry), and failed scrapes. */
  onProblem?: (message: string) => void;
  /** Told when the server listens, with the address it got. */
  onListening?: (address: string) => void;
  /** How long to wait before binding again after a failure. */
  retryMs?: number;
}

/** What `status` shows of the metrics server. */
export interface MetricsServerState {
  listening: boolean;
  address: string;
  problem?: string;
}

export interface MetricsServer {
  state(): MetricsServerState;
  /** Stops serving and stops retrying; open connections are cut. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` and `GET /healthz` (and HEAD) over HTTP. An address it cannot bind (in use, not this
 * machine's, not allowed) never throws: the daemon's jobs matter more than its metrics, so the problem is
 * reported once and binding retried every `retryMs` until it works or `close()`. Resolves after the first try.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port, onProblem, onListening, retryMs = DEFAULT_RETRY_MS } = options;
  const server = http.createServer((request, response) => void answer(request, response, options));
  let address = formatMetricsAddress({ host, port });
  let listening = false;
  let closed = false;
  let problem: string | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let firstTryDone: () => void = () => {};
  const firstTry = new Promise<void>((resolve) => {
    firstTryDone = resolve;
  });

  server.on('listening', () => {
    // A retry that was already binding when close() ran.
    if (closed) {
      server.close();
      return;
    }
    const bound = server.address() as AddressInfo;
    address = formatMetricsAddress({ host: bound.address, port: bound.port });
    listening = true;
    problem = undefined;
    onListening?.(address);
    firstTryDone();
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (listening) {
      onProblem?.(`metrics: the server at ${address} failed: ${error.message}`);
      return;
    }
    const message = describeBindProblem(error, { host, port }, retryMs);
    if (message !== problem) onProblem?.(message);
    problem = message;
    if (!closed) {
      retryTimer = setTimeout(tryListen, retryMs);
      retryTimer.unref();
    }
    firstTryDone();
  });

  function tryListen(): void {
    if (!closed) server.listen({ host, port });
  }

  tryListen();
  await firstTry;

  return {
    state: () => ({ listening, address, ...(problem === undefined ? {} : { problem }) }),
    close() {
      closed = true;
      clearTimeout(retryTimer);
      if (!server.listening) return Promise.resolve();
      listening = false;
      return new Promise((resolve) => {
        server.close(() => resolve());
        // A scraper's idle keep-alive connection would hold close() open for seconds.
        server.closeAllConnections();
      });
    },
  };
}

async function answer(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  { metrics, health, onProblem }: MetricsServerOptions,
): Promise<void> {
  const method = request.method ?? '';
  const send = (status: number, body: string, contentType = TEXT): void => {
    response.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    response.end(method === 'HEAD' ? undefined : body);
  };

  const path = pathOf(request.url);
  if (path !== '/metrics' && path !== '/healthz') {
    send(404, 'not found: this server answers /metrics and /healthz\n');
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(405, `method ${method} not allowed: use GET or HEAD\n`);
    return;
  }
  try {
    if (path === '/metrics') {
      const { text, contentType } = await metrics();
      send(200, text, contentType);
      return;
    }
    const report = health();
    send(report.ok ? 200 : 503, report.ok ? 'ok\n' : `${report.reason}\n`);
  } catch (error) {
    const message = `metrics: answering ${path} failed: ${(error as Error).message}`;
    onProblem?.(message);
    send(500, `${message}\n`);
  }
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://metrics.invalid').pathname;
  } catch {
    return '';
  }
}
