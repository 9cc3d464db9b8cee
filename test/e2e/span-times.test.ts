// Span times read back from Jaeger under lean tracing (the default; docs/tracing.md, "Span
// times"): in every trace, a span lies within its parent when both were recorded by the same
// process, starts carry sub-millisecond precision, and a process's first span of a request
// still lines up on the wall clock with its caller's span in another process.
import { expect } from 'chai';
import { registerAccount } from '../support/accounts';
import { get } from '../support/http';
import { sharedJaeger } from '../support/shared-jaeger';
import { useStack } from '../support/stack';
import { describeTrace, traceIdOf } from '../support/trace-shape';
import type { StoredSpan } from '../support/jaeger';

const ALL = ['gateway', 'user-service', 'auth-service'];
const TRACES = 20;
// Jaeger keeps a start and a duration in whole microseconds: an end rebuilt from the two can be
// off by one.
const STORAGE_US = 0.002;
// Each process anchors on its own reading of the wall clock, good to the millisecond Date.now()
// reports; a caller's span and its callee's are compared to that.
const WALL_CLOCK_MS = 1.1;

describe('span times under lean tracing, read back from Jaeger', function () {
  this.timeout(120_000);
  const stack = useStack({ env: { TRACING_INSTRUMENTATION: 'lean', OTEL_BSP_SCHEDULE_DELAY: '100' } });
  const traces: StoredSpan[][] = [];

  before(async () => {
    const gateway = stack().gatewayUrl;
    const alice = await registerAccount(gateway);
    const jaeger = await sharedJaeger();
    for (let i = 0; i < TRACES; i++) {
      const res = await get(`${gateway}/api/v1/users/${alice.id}`, { token: alice.accessToken });
      expect(res.status).to.equal(200);
      const spans = await jaeger.getTrace(traceIdOf(res.headers), (s) => s.length >= 9 && ALL.every((svc) => s.some((x) => x.service === svc)));
      expect(spans.length, describeTrace(spans)).to.be.at.least(9);
      traces.push(spans);
    }
  });

  /** Each span with a parent in the trace: whether the same process (service instance) made both. */
  function pairs(): Array<{ child: StoredSpan; parent: StoredSpan; sameProcess: boolean; spans: StoredSpan[] }> {
    return traces.flatMap((spans) =>
      spans.flatMap((child) => {
        const parent = spans.find((s) => s.spanId === child.parentSpanId);
        if (!parent) return [];
        return [{ child, parent, spans, sameProcess: parent.service === child.service && parent.instance === child.instance }];
      }),
    );
  }

  it('puts every span within its parent when one process recorded both', () => {
    const local = pairs().filter((p) => p.sameProcess);
    // Per GET user: the gateway's tRPC and client spans, the operation, DB and client spans of
    // user-service, and auth-service's operation and DB spans.
    expect(local.length).to.be.at.least(TRACES * 5);
    for (const { child, parent, spans } of local) {
      const where = `${child.service} "${child.name}" [${child.startUnixMs}, ${child.endUnixMs}] under "${parent.name}" [${parent.startUnixMs}, ${parent.endUnixMs}]\n${describeTrace(spans)}`;
      expect(child.startUnixMs, where).to.be.at.least(parent.startUnixMs);
      expect(child.endUnixMs, where).to.be.at.most(parent.endUnixMs + STORAGE_US);
    }
  });

  it('starts spans with sub-millisecond precision', () => {
    const starts = traces.flat().map((s) => s.startUnixMs);
    const offWholeMs = starts.filter((ms) => !Number.isInteger(ms));
    // A start lands on a whole millisecond by chance about once in a thousand.
    expect(offWholeMs.length, `${offWholeMs.length} of ${starts.length} starts off a whole millisecond`).to.be.at.least(starts.length * 0.9);
  });

  it("lines a callee's span up with its caller's in another process, to the wall clock's millisecond", () => {
    const remote = pairs().filter((p) => !p.sameProcess);
    // gateway -> user-service and user-service -> auth-service, per trace.
    expect(remote.length).to.be.at.least(TRACES * 2);
    for (const { child, parent } of remote) {
      const where = `${child.service} "${child.name}" [${child.startUnixMs}, ${child.endUnixMs}] under ${parent.service} "${parent.name}" [${parent.startUnixMs}, ${parent.endUnixMs}]`;
      expect(child.startUnixMs, where).to.be.at.least(parent.startUnixMs - WALL_CLOCK_MS);
      expect(child.endUnixMs, where).to.be.at.most(parent.endUnixMs + WALL_CLOCK_MS);
    }
  });
});
