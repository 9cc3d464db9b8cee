// A process with tracing off records nothing but still carries the caller's trace downstream.
import crypto from 'node:crypto';
import { expect } from 'chai';
import { registerAccount } from '../support/accounts';
import { get } from '../support/http';
import { sharedJaeger } from '../support/shared-jaeger';
import { useStack } from '../support/stack';
import { expectOneTrace, theSpan } from '../support/trace-shape';
import { KIND } from '../support/jaeger';

describe('tracing disabled in the gateway only', function () {
  this.timeout(60_000);
  // The user and auth services trace into the suite's shared Jaeger; the gateway does not.
  const stack = useStack({ envFor: { gateway: { TRACING_ENABLED: 'false' } } });

  it("keeps the caller's trace: user-service continues the incoming traceparent, the gateway adds no span", async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const traceId = crypto.randomBytes(16).toString('hex');
    const callerSpan = '1234567890abcdef';
    const res = await get(`${stack().gatewayUrl}/api/v1/users/${who.id}`, {
      token: who.accessToken,
      headers: { traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    expect(res.status).to.equal(200);
    // The response still names the caller's trace: the gateway passed the context through.
    expect(res.headers.get('traceresponse')).to.equal(`00-${traceId}-${callerSpan}-01`);

    const jaeger = await sharedJaeger();
    const spans = await jaeger.getTrace(traceId, (s) => new Set(s.map((x) => x.service)).size >= 2 && s.length >= 6);
    const root = expectOneTrace(spans, traceId, ['user-service', 'auth-service']);
    const server = theSpan(spans, 'grpc.user.v1.UserService/GetUser', { service: 'user-service', kind: KIND.SERVER });
    expect(root.spanId).to.equal(server.spanId);
    expect(server.parentSpanId, "the caller's span is the parent").to.equal(callerSpan);
  });
});

describe('tracing disabled in the gateway and the user service', function () {
  this.timeout(60_000);
  // No instrumentation and no context manager in either: the trace can only reach the auth
  // service if both carry the caller's traceparent by hand.
  const stack = useStack({ envFor: { gateway: { TRACING_ENABLED: 'false' }, user: { TRACING_ENABLED: 'false' } } });

  const lines = (name: 'gateway' | 'user' | 'auth') =>
    stack().logs(name).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('carries the caller\'s traceparent through both, to the auth service, and logs its trace id', async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const traceId = crypto.randomBytes(16).toString('hex');
    const callerSpan = crypto.randomBytes(8).toString('hex');
    const res = await get(`${stack().gatewayUrl}/api/v1/users/${who.id}`, {
      token: who.accessToken,
      headers: { traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: 'vendor=abc' },
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get('traceresponse')).to.equal(`00-${traceId}-${callerSpan}-01`);

    const jaeger = await sharedJaeger();
    const spans = await jaeger.getTrace(traceId, (s) => s.some((x) => x.name === 'ValidateToken'));
    expect(new Set(spans.map((s) => s.service))).to.deep.equal(new Set(['auth-service']));
    const server = theSpan(spans, 'grpc.auth.v1.AuthService/ValidateToken', { service: 'auth-service', kind: KIND.SERVER });
    expect(server.parentSpanId, "the caller's span, passed through unchanged").to.equal(callerSpan);

    const request = lines('gateway').find((l) => l.msg === 'request' && l.trace_id === traceId);
    expect(request, 'gateway request line').to.include({ path: '/api/v1/users/:id', status: 200, span_id: callerSpan });
    expect(lines('user').find((l) => l.msg === 'rpc' && l.trace_id === traceId), 'user-service rpc line').to.include({
      rpc: '/user.v1.UserService/GetUser',
      span_id: callerSpan,
    });
  });

  it('through tRPC too; a malformed traceparent is dropped (no traceresponse) and the request still succeeds', async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const traceId = crypto.randomBytes(16).toString('hex');
    const input = encodeURIComponent(JSON.stringify({ id: who.id }));
    const ok = await get(`${stack().gatewayUrl}/trpc/users.get?input=${input}`, {
      token: who.accessToken,
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('traceresponse')).to.equal(`00-${traceId}-00f067aa0ba902b7-01`);

    const bad = await get(`${stack().gatewayUrl}/api/v1/users/${who.id}`, {
      token: who.accessToken,
      headers: { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
    });
    expect(bad.status).to.equal(200);
    expect(bad.headers.get('traceresponse')).to.equal(null);
    const jaeger = await sharedJaeger();
    const spans = await jaeger.getTrace(traceId, (s) => s.some((x) => x.name === 'ValidateToken'));
    expect(theSpan(spans, 'grpc.auth.v1.AuthService/ValidateToken', { service: 'auth-service', kind: KIND.SERVER }).parentSpanId).to.equal(
      '00f067aa0ba902b7',
    );
  });
});
