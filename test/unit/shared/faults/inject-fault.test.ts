import { status } from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import type { TraceParent } from '../../../../shared/telemetry/tracing';
import { expect } from 'chai';
import { parseFaults } from '../../../../shared/faults/fault-rules';
import { drawFault, InjectedFaultError, withFault, type FaultTarget } from '../../../../shared/faults/inject-fault';
import { contractMethodPaths } from '../../../../shared/contracts';
import { toGrpcError } from '../../../../shared/grpc/handler';

const ruleOf = (text: string) => parseFaults(`user.v1.UserService/GetUser:${text}`, contractMethodPaths()).get('user.v1.UserService/GetUser')!;

/** A deterministic generator (mulberry32), so probability checks are exact for a seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A handler context whose span records the events added to it. */
function target(deadline?: number): FaultTarget & { events: Array<{ name: string; attributes?: Attributes }> } {
  const events: Array<{ name: string; attributes?: Attributes }> = [];
  const trace: TraceParent = {
    addEvent: (name: string, attributes?: Attributes) => void events.push({ name, attributes }),
    setAttribute: () => undefined,
    fail: () => undefined,
  };
  return { trace, deadline, events };
}

const ok = async () => 'handled';

describe('fault injection', () => {
  it('a fixed delay waits that long, records the event, then runs the handler', async () => {
    const ctx = target();
    const started = Date.now();
    expect(await withFault(ok, ruleOf('delay=120ms'))(undefined, ctx)).to.equal('handled');
    expect(Date.now() - started).to.be.within(115, 400);
    expect(ctx.events).to.deep.equal([{ name: 'fault.injected', attributes: { 'fault.delay_ms': 120 } }]);
    expect(ctx.fault).to.deep.equal({ delay_ms: 120 });
  });

  it('a range draws uniformly between its ends', () => {
    const rule = ruleOf('delay=50ms-200ms');
    const random = seeded(7);
    const delays = Array.from({ length: 2000 }, () => drawFault(rule, random)!.delay_ms!);
    expect(Math.min(...delays)).to.be.within(50, 55);
    expect(Math.max(...delays)).to.be.within(195, 200);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    // Uniform on [50, 200]: mean 125, sd of the mean 43.3/sqrt(2000) ≈ 1 ms.
    expect(mean).to.be.within(121, 129);
  });

  it('an error fails with the status, the event says which, and the handler does not run', async () => {
    const ctx = target();
    let ran = false;
    const err = await withFault(async () => ((ran = true), 'x'), ruleOf('error=UNAVAILABLE'))(undefined, ctx).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InjectedFaultError);
    expect(toGrpcError(err)).to.deep.equal({ code: status.UNAVAILABLE, details: 'injected fault: UNAVAILABLE (FAULTS)' });
    expect(ran).to.equal(false);
    expect(ctx.events).to.deep.equal([{ name: 'fault.injected', attributes: { 'fault.status': 'UNAVAILABLE' } }]);
  });

  it('honours the probability: fires exactly when the draw is below it, and about that often', async () => {
    const rule = ruleOf('error=UNAVAILABLE@0.2');
    const draws = [0.1, 0.3, 0.19999, 0.2, 0];
    const scripted = () => draws.shift()!;
    expect(Array.from({ length: 5 }, () => drawFault(rule, scripted)?.status)).to.deep.equal(['UNAVAILABLE', undefined, 'UNAVAILABLE', undefined, 'UNAVAILABLE']);
    const count = (random: () => number, n: number) => Array.from({ length: n }, () => drawFault(rule, random)).filter(Boolean).length;
    // n = 10000, p = 0.2: mean 2000, sd 40; +-5 sd fails by chance about once in 2 million runs.
    expect(count(Math.random, 10_000)).to.be.within(1800, 2200);
    expect(count(seeded(42), 10_000)).to.be.within(1800, 2200);
    // Every failed call, and only those, left an event.
    const ctx = target();
    const random = seeded(1);
    const handled = await Promise.all(Array.from({ length: 200 }, () => withFault(ok, rule, random)(undefined, ctx).then(() => 1, () => 0)));
    expect(handled.filter((h) => h === 0).length).to.equal(ctx.events.length).and.be.within(20, 60);
  });

  it('a delay that outlasts the caller deadline stops at the deadline with DEADLINE_EXCEEDED', async () => {
    const ctx = target(Date.now() + 100);
    const started = Date.now();
    const err = await withFault(ok, ruleOf('delay=5s'))(undefined, ctx).catch((e: unknown) => e);
    expect(Date.now() - started).to.be.within(90, 600);
    expect(toGrpcError(err).code).to.equal(status.DEADLINE_EXCEEDED);
    expect(ctx.events[0]?.attributes).to.deep.equal({ 'fault.delay_ms': 5000 });
  });

  it('delay then error: one event with both, failing after the delay', async () => {
    const ctx = target();
    const started = Date.now();
    const err = await withFault(ok, ruleOf('delay=80ms,error=NOT_FOUND'))(undefined, ctx).catch((e: unknown) => e);
    expect(Date.now() - started).to.be.at.least(75);
    expect(toGrpcError(err).code).to.equal(status.NOT_FOUND);
    expect(ctx.events).to.deep.equal([{ name: 'fault.injected', attributes: { 'fault.delay_ms': 80, 'fault.status': 'NOT_FOUND' } }]);
  });
});
