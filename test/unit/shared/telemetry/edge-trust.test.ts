import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import {
  distrustTraceContext,
  traceContextTrust,
  trustedCallersProblem,
  untrustedCallerContext,
} from '../../../../shared/telemetry/edge-trust';

describe('edge trust of trace context', () => {
  const request = (headers: Record<string, string>) => ({ headers: { host: 'x', ...headers } }) as unknown as IncomingMessage;

  it('validates the list: * alone, or addresses, CIDR ranges and the proxy-addr names', () => {
    expect(trustedCallersProblem([])).to.equal(undefined);
    expect(trustedCallersProblem(['*'])).to.equal(undefined);
    expect(trustedCallersProblem(['loopback', '10.0.0.0/8', '2001:db8::/32', '192.0.2.7'])).to.equal(undefined);
    expect(trustedCallersProblem(['*', 'loopback'])).to.match(/stands alone/);
    expect(trustedCallersProblem(['not-an-address'])).to.match(/invalid IP address: not-an-address/);
    expect(trustedCallersProblem(['10.0.0.0/99'])).to.be.a('string');
  });

  it('trusts * everyone, an empty list nobody (unknown addresses included), a list its members only', () => {
    expect(traceContextTrust(['*'])('203.0.113.9')).to.equal(true);
    expect(traceContextTrust(['*'])(undefined)).to.equal(true);
    const nobody = traceContextTrust([]);
    expect([nobody('127.0.0.1'), nobody('::1'), nobody(undefined)]).to.deep.equal([false, false, false]);
    const some = traceContextTrust(['loopback', '10.1.2.0/24']);
    expect(['127.0.0.1', '::1', '10.1.2.3', '10.1.3.1', '203.0.113.9'].map(some)).to.deep.equal([true, true, true, false, false]);
    expect(some(undefined)).to.equal(false);
  });

  it("takes an untrusted caller's traceparent, tracestate and baggage off the request and keeps its span context", () => {
    const req = request({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'a=1', baggage: 'k=v', accept: 'application/json' });
    distrustTraceContext(req);
    expect(req.headers).to.deep.equal({ host: 'x', accept: 'application/json' });
    expect(untrustedCallerContext(req)).to.deep.equal({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it('drops a malformed traceparent and its companions without keeping anything to link to', () => {
    const req = request({ traceparent: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'a=1' });
    distrustTraceContext(req);
    expect(req.headers).to.deep.equal({ host: 'x' });
    expect(untrustedCallerContext(req)).to.equal(undefined);
    const baggageOnly = request({ baggage: 'k=v' });
    distrustTraceContext(baggageOnly);
    expect(baggageOnly.headers).to.deep.equal({ host: 'x' });
    // A request with none of them is left exactly as it is.
    const plain = request({});
    distrustTraceContext(plain);
    expect(plain.headers).to.deep.equal({ host: 'x' });
    expect(untrustedCallerContext(plain)).to.equal(undefined);
  });
});
