import { expect } from 'chai';
import { describeBindProblem } from '../../../src/telemetry/metrics/describe-bind-problem.js';

function failure(code: string, message = `listen ${code}`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('describeBindProblem', () => {
  it('names Prometheus when the port in use is its default, 9090', () => {
    expect(describeBindProblem(failure('EADDRINUSE'), { host: '127.0.0.1', port: 9090 }, 30_000)).to.equal(
      'metrics: 127.0.0.1:9090 is in use (Prometheus itself listens there by default); set [metrics] address to another port, or "off"; retrying every 30 s',
    );
    expect(describeBindProblem(failure('EADDRINUSE'), { host: '::1', port: 9100 }, 30_000)).to.equal(
      'metrics: [::1]:9100 is in use; set [metrics] address to another port, or "off"; retrying every 30 s',
    );
  });

  it('says what to change for an address the machine lacks, a privileged port, or a host that does not resolve', () => {
    const address = { host: '10.9.9.9', port: 80 };
    expect(describeBindProblem(failure('EADDRNOTAVAIL'), address, 30_000)).to.match(
      /^metrics: cannot listen on 10\.9\.9\.9:80: this machine has no network interface with that address; set \[metrics\] address to one of its addresses/,
    );
    expect(describeBindProblem(failure('EACCES'), address, 30_000)).to.match(
      /^metrics: not allowed to listen on 10\.9\.9\.9:80 \(ports below 1024 need root\); set \[metrics\] address to a port from 1024 up/,
    );
    expect(describeBindProblem(failure('ENOTFOUND'), { host: 'nas.invalid', port: 9100 }, 500)).to.equal(
      'metrics: cannot listen on nas.invalid:9100: the host name "nas.invalid" does not resolve; set [metrics] address to an IP address of this machine, or "off"; retrying every 500 ms',
    );
  });

  it('passes on the system message of any other failure', () => {
    expect(
      describeBindProblem(failure('EINVAL', 'invalid argument'), { host: '0.0.0.0', port: 1 }, 2000),
    ).to.equal(
      'metrics: cannot listen on 0.0.0.0:1: invalid argument; set [metrics] address to another address, or "off"; retrying every 2 s',
    );
  });
});
