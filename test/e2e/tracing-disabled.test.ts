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
