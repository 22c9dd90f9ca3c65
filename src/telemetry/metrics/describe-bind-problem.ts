import { formatMetricsAddress, type MetricsAddress } from './parse-metrics-address.js';

const SETTING = '[metrics] address';
const PROMETHEUS_DEFAULT_PORT = 9090;
const FIRST_UNPRIVILEGED_PORT = 1024;

/** A one-line message for a metrics server that cannot listen: what is wrong, what to change, and that it retries. */
export function describeBindProblem(
  error: NodeJS.ErrnoException,
  address: MetricsAddress,
  retryMs: number,
): string {
  const where = formatMetricsAddress(address);
  const retrying = `retrying every ${formatInterval(retryMs)}`;
  switch (error.code) {
    case 'EADDRINUSE': {
      const whose =
        address.port === PROMETHEUS_DEFAULT_PORT ? ' (Prometheus itself listens there by default)' : '';
      return `metrics: ${where} is in use${whose}; set ${SETTING} to another port, or "off"; ${retrying}`;
    }
    case 'EADDRNOTAVAIL':
      return `metrics: cannot listen on ${where}: this machine has no network interface with that address; set ${SETTING} to one of its addresses (such as 127.0.0.1), or "off"; ${retrying}`;
    case 'EACCES': {
      const privileged =
        address.port < FIRST_UNPRIVILEGED_PORT ? ` (ports below ${FIRST_UNPRIVILEGED_PORT} need root)` : '';
      return `metrics: not allowed to listen on ${where}${privileged}; set ${SETTING} to a port from ${FIRST_UNPRIVILEGED_PORT} up, or "off"; ${retrying}`;
    }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `metrics: cannot listen on ${where}: the host name "${address.host}" does not resolve; set ${SETTING} to an IP address of this machine, or "off"; ${retrying}`;
    default:
      return `metrics: cannot listen on ${where}: ${error.message}; set ${SETTING} to another address, or "off"; ${retrying}`;
  }
}

function formatInterval(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
