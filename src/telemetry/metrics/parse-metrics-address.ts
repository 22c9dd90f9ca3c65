import net from 'node:net';

/** Where the metrics server listens. */
export interface MetricsAddress {
  host: string;
  port: number;
}

/** What `parseMetricsAddress` makes of a setting: an address, `'off'`, or why the text is not one. */
export type ParsedMetricsAddress = MetricsAddress | 'off' | { error: string };

// A host left out means loopback: every interface would publish the job names and their activity to the
// network, which the user has to ask for by writing 0.0.0.0.
const DEFAULT_HOST = '127.0.0.1';

export const METRICS_ADDRESS_EXPECTATION = `"host:port" (such as "127.0.0.1:9090", "[::1]:9090", or ":9090" for ${DEFAULT_HOST}:9090) or "off"`;
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Reads the metrics address setting: `"127.0.0.1:9090"`, `"[::1]:9090"`, `":9090"` (loopback), a host name
 * with a port, or `"off"`. Port 0 asks the system for any free port (the server then reports the one it got).
 */
export function parseMetricsAddress(text: string): ParsedMetricsAddress {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'off') return 'off';
  const fail = (why: string) => ({
    error: `${why}; expected ${METRICS_ADDRESS_EXPECTATION}, got ${JSON.stringify(text)}`,
  });
  if (trimmed === '') return fail('the address is empty');

  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(trimmed);
  let host: string;
  let portText: string;
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
    if (!net.isIPv6(host)) return fail(`"${host}" in brackets is not an IPv6 address`);
  } else {
    const colon = trimmed.lastIndexOf(':');
    if (colon === -1) {
      return fail(
        /^\d+$/.test(trimmed) ? `there is no host: did you mean ":${trimmed}"?` : 'there is no port',
      );
    }
    host = trimmed.slice(0, colon);
    portText = trimmed.slice(colon + 1);
    if (host.includes(':')) return fail(`an IPv6 address goes in brackets, as in "[${host}]:${portText}"`);
    if (host === '') host = DEFAULT_HOST;
    else if (/^[\d.]+$/.test(host) ? !net.isIPv4(host) : !HOST_NAME.test(host)) {
      return fail(`"${host}" is neither an IP address nor a host name`);
    }
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) return fail(`the port "${portText}" is not a number from 0 to 65535`);
  return { host, port };
}

/** An address as people write it: IPv6 hosts in brackets. */
export function formatMetricsAddress({ host, port }: MetricsAddress): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
