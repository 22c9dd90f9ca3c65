import { expect } from 'chai';
import {
  formatMetricsAddress,
  parseMetricsAddress,
} from '../../../src/telemetry/metrics/parse-metrics-address.js';

describe('parseMetricsAddress', () => {
  it('reads an IPv4 address, a bracketed IPv6 address and a host name, each with a port', () => {
    expect(parseMetricsAddress('127.0.0.1:9090')).to.deep.equal({ host: '127.0.0.1', port: 9090 });
    expect(parseMetricsAddress('0.0.0.0:9100')).to.deep.equal({ host: '0.0.0.0', port: 9100 });
    expect(parseMetricsAddress('[::1]:9090')).to.deep.equal({ host: '::1', port: 9090 });
    expect(parseMetricsAddress('[::]:9090')).to.deep.equal({ host: '::', port: 9090 });
    expect(parseMetricsAddress('localhost:9090')).to.deep.equal({ host: 'localhost', port: 9090 });
  });

  it('takes a missing host as loopback, never as every interface', () => {
    expect(parseMetricsAddress(':9090')).to.deep.equal({ host: '127.0.0.1', port: 9090 });
  });

  it('reads "off" as disabled', () => {
    expect(parseMetricsAddress('off')).to.equal('off');
    expect(parseMetricsAddress(' OFF ')).to.equal('off');
  });

  it('accepts port 0, any free port', () => {
    expect(parseMetricsAddress('127.0.0.1:0')).to.deep.equal({ host: '127.0.0.1', port: 0 });
  });

  const rejected: Array<[string, RegExp]> = [
    ['', /empty/],
    ['9090', /did you mean ":9090"/],
    ['localhost', /no port/],
    ['::1:9090', /IPv6 address goes in brackets, as in "\[::1\]:9090"/],
    ['[localhost]:9090', /not an IPv6 address/],
    ['127.0.0.1:65536', /not a number from 0 to 65535/],
    ['127.0.0.1:http', /"http" is not a number/],
    ['127.0.0.1:', /"" is not a number/],
    ['300.1.1.1:9090', /neither an IP address nor a host name/],
    ['bad_host:9090', /neither an IP address nor a host name/],
  ];
  for (const [text, why] of rejected) {
    it(`rejects ${JSON.stringify(text)}, saying why and what was expected`, () => {
      const parsed = parseMetricsAddress(text);
      if (typeof parsed === 'string' || !('error' in parsed))
        throw new Error(`accepted: ${JSON.stringify(parsed)}`);
      expect(parsed.error).to.match(why);
      expect(parsed.error).to.include('expected "host:port"');
      expect(parsed.error).to.include(`got ${JSON.stringify(text)}`);
    });
  }

  it('formats an address back, with IPv6 hosts in brackets', () => {
    expect(formatMetricsAddress({ host: '::1', port: 9090 })).to.equal('[::1]:9090');
    expect(formatMetricsAddress({ host: '127.0.0.1', port: 9090 })).to.equal('127.0.0.1:9090');
  });
});
