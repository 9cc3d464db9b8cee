// The public edge decides who may steer tracing (TRUST_TRACE_CONTEXT). Read back from Jaeger: an
// untrusted caller's trace id never appears, its context is a link of the new trace's server
// span, and a trusted caller is continued; the same under lean and auto instrumentation.
import crypto from 'node:crypto';
import { expect } from 'chai';
import { registerAccount, type Account } from '../support/accounts';
import { get } from '../support/http';
import { KIND, type StoredSpan } from '../support/jaeger';
import { sharedJaeger } from '../support/shared-jaeger';
import { useStack } from '../support/stack';
import { expectOneTrace, theSpan, traceIdOf } from '../support/trace-shape';

const TRUSTED_NETWORK = '10.1.2.0/24';

/** A fresh W3C context a caller picks: its trace id, span id and headers. */
function callerContext() {
  const traceId = crypto.randomBytes(16).toString('hex');
  const spanId = crypto.randomBytes(8).toString('hex');
  return { traceId, spanId, headers: { traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=steer', baggage: 'tenant=other' } };
}

/** Waits until the trace has its spans from all three services. */
const whole = (spans: StoredSpan[]) => new Set(spans.map((s) => s.service)).size === 3 && spans.some((s) => s.name === 'ValidateToken');

/** Whether Jaeger holds any span of `traceId` (asked once: call it after a later trace has arrived). */
async function jaegerHas(traceId: string): Promise<boolean> {
  const jaeger = await sharedJaeger();
  return (await jaeger.getTrace(traceId, () => true, 0)).length > 0;
}

for (const instrumentation of ['lean', 'auto'] as const) {
  describe(`trace context at the edge, NODE_ENV=production (${instrumentation})`, function () {
    this.timeout(90_000);
    // The gateway believes X-Forwarded-For from loopback (the test is its proxy), and trusts the
    // trace context of one network only: loopback itself is not trusted.
    const stack = useStack({
      env: { TRACING_INSTRUMENTATION: instrumentation },
      envFor: { gateway: { NODE_ENV: 'production', TRUST_PROXY: 'loopback', TRUST_TRACE_CONTEXT: TRUSTED_NETWORK } },
    });
    let who: Account;
    before(async () => {
      who = await registerAccount(stack().gatewayUrl);
    });

    const getUser = (headers: Record<string, string>) =>
      get(`${stack().gatewayUrl}/api/v1/users/${who.id}`, { token: who.accessToken, headers });

    it("an untrusted caller starts a new trace: its trace id is never recorded, its context is the server span's link", async () => {
      const caller = callerContext();
      const res = await getUser({ ...caller.headers, 'x-forwarded-for': '203.0.113.9' });
      expect(res.status).to.equal(200);
      const traceId = traceIdOf(res.headers);
      expect(traceId, 'the trace id the caller chose').to.not.equal(caller.traceId);

      const spans = await (await sharedJaeger()).getTrace(traceId, whole);
      const root = expectOneTrace(spans, traceId, ['gateway', 'user-service', 'auth-service']);
      expect(root.service).to.equal('gateway');
      expect(root.kind).to.equal(KIND.SERVER);
      expect(root.parentSpanId, 'a root, not a child of the caller').to.equal(undefined);
      expect(root.links).to.deep.equal([{ traceId: caller.traceId, spanId: caller.spanId }]);
      // Only the gateway's server span links to the caller.
      expect(spans.filter((s) => s.links.length > 0).map((s) => s.spanId)).to.deep.equal([root.spanId]);
      expect(await jaegerHas(caller.traceId), "the caller's trace id in Jaeger").to.equal(false);
    });

    it('a request without a forwarded address is judged by its socket: loopback is not trusted unless listed', async () => {
      const caller = callerContext();
      const res = await getUser(caller.headers);
      expect(res.status).to.equal(200);
      const traceId = traceIdOf(res.headers);
      expect(traceId).to.not.equal(caller.traceId);
      const spans = await (await sharedJaeger()).getTrace(traceId, whole);
      expect(theSpan(spans, 'GET /api/v1/users/:id', { service: 'gateway', kind: KIND.SERVER }).links).to.deep.equal([
        { traceId: caller.traceId, spanId: caller.spanId },
      ]);
      expect(await jaegerHas(caller.traceId)).to.equal(false);
    });

    it('a trusted caller is continued, as in development', async () => {
      const caller = callerContext();
      const res = await getUser({ ...caller.headers, 'x-forwarded-for': '10.1.2.3' });
      expect(res.status).to.equal(200);
      expect(traceIdOf(res.headers)).to.equal(caller.traceId);
      const spans = await (await sharedJaeger()).getTrace(caller.traceId, whole);
      const server = theSpan(spans, 'GET /api/v1/users/:id', { service: 'gateway', kind: KIND.SERVER });
      expect(server.parentSpanId, "the caller's span is the parent").to.equal(caller.spanId);
      expect(server.links).to.deep.equal([]);
    });

    it("span addresses: a trusted proxy's X-Forwarded-For names the client; Forwarded and X-Forwarded-Host never count", async () => {
      const res = await getUser({
        'x-forwarded-for': '203.0.113.9',
        forwarded: 'for=198.51.100.66;host=admin.internal.example',
        'x-forwarded-host': 'admin.internal.example',
      });
      expect(res.status).to.equal(200);
      const spans = await (await sharedJaeger()).getTrace(traceIdOf(res.headers), whole);
      const server = theSpan(spans, 'GET /api/v1/users/:id', { service: 'gateway', kind: KIND.SERVER });
      expect(server.attributes).to.include({
        'client.address': '203.0.113.9',
        'network.peer.address': '127.0.0.1',
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(stack().gatewayUrl).port),
      });
      expect(JSON.stringify(server.attributes)).to.not.match(/198\.51\.100\.66|admin\.internal/);
    });
  });
}

describe('trace context at the edge, NODE_ENV=production: sampling stays the gateway\'s', function () {
  this.timeout(90_000);
  // Sampling 0 at the gateway: an untrusted caller's sampled flag must not force recording.
  const stack = useStack({
    envFor: { gateway: { NODE_ENV: 'production', TRUST_PROXY: 'loopback', TRUST_TRACE_CONTEXT: TRUSTED_NETWORK, TRACING_SAMPLING_RATE: '0' } },
  });

  it('an untrusted sampled traceparent is not followed: nothing is recorded; a trusted one is', async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const untrusted = callerContext();
    const res = await get(`${stack().gatewayUrl}/api/v1/users/${who.id}`, {
      token: who.accessToken,
      headers: { ...untrusted.headers, 'x-forwarded-for': '203.0.113.9' },
    });
    expect(res.status).to.equal(200);
    const header = res.headers.get('traceresponse')!;
    expect(header.endsWith('-00'), `unsampled traceresponse, got ${header}`).to.equal(true);
    const newTraceId = traceIdOf(res.headers);

    // A trusted caller's sampled request, sent after: once it is in Jaeger, the untrusted one
    // would be too, had anything recorded it.
    const trusted = callerContext();
    const ok = await get(`${stack().gatewayUrl}/api/v1/users/${who.id}`, {
      token: who.accessToken,
      headers: { ...trusted.headers, 'x-forwarded-for': '10.1.2.3' },
    });
    expect(ok.status).to.equal(200);
    expect(await (await sharedJaeger()).getTrace(trusted.traceId, whole)).to.satisfy(whole);
    expect(await jaegerHas(untrusted.traceId), "the untrusted caller's trace id").to.equal(false);
    expect(await jaegerHas(newTraceId), 'the unsampled new trace').to.equal(false);
  });
});
