// The lean context against the API's BaseContext it stands in for: the same operations on both,
// the same values read back.
import { Metadata } from '@grpc/grpc-js';
import { createContextKey, defaultTextMapGetter, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { expect } from 'chai';
import { extractFromMetadata } from '../../../../../shared/telemetry/lean/lean-tracing';
import { LEAN_ROOT_CONTEXT } from '../../../../../shared/telemetry/lean/lean-context';
import { LeanW3CPropagator } from '../../../../../shared/telemetry/lean/w3c-propagator';
import { formatTraceparent, spanLogFields } from '../../../../../shared/telemetry/trace-headers';

const KEYS = [createContextKey('a'), createContextKey('b'), createContextKey('c'), createContextKey('d')];

/** A small deterministic generator, so a failure names a sequence that can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const readAll = (ctx: Context) => KEYS.map((k) => ctx.getValue(k));

describe('lean context (against the API BaseContext)', () => {
  it('reads back what BaseContext reads back after any sequence of setValue and deleteValue', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      let lean: Context = LEAN_ROOT_CONTEXT;
      let base: Context = ROOT_CONTEXT;
      const steps: string[] = [];
      for (let step = 0; step < 12; step++) {
        const key = KEYS[Math.floor(next() * KEYS.length)]!;
        if (next() < 0.3) {
          steps.push(`delete ${key.toString()}`);
          lean = lean.deleteValue(key);
          base = base.deleteValue(key);
        } else {
          // Values include undefined and falsy ones: a set to undefined reads as unset in both.
          const value = [undefined, 0, '', null, { step }][Math.floor(next() * 5)];
          steps.push(`set ${key.toString()} ${JSON.stringify(value)}`);
          lean = lean.setValue(key, value);
          base = base.setValue(key, value);
        }
        expect(readAll(lean), steps.join(', ')).to.deep.equal(readAll(base));
      }
    }
  });

  it('is immutable: a derived context leaves its parent as it was', () => {
    const [a, b] = KEYS as [symbol, symbol];
    const parent = LEAN_ROOT_CONTEXT.setValue(a, 1);
    const child = parent.setValue(a, 2).setValue(b, 3);
    const deleted = child.deleteValue(a);
    expect([parent.getValue(a), parent.getValue(b)]).to.deep.equal([1, undefined]);
    expect([child.getValue(a), child.getValue(b)]).to.deep.equal([2, 3]);
    expect([deleted.getValue(a), deleted.getValue(b)]).to.deep.equal([undefined, 3]);
    expect(LEAN_ROOT_CONTEXT.getValue(a)).to.equal(undefined);
    // Deleting what is not there returns the same context, as BaseContext's copy would equal it.
    expect(parent.deleteValue(b)).to.equal(parent);
  });

  it('carries an extracted trace context and baggage as the stock propagators on ROOT_CONTEXT do', () => {
    const stock = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    const headers = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'congo=t61rcWkgMzE',
      baggage: 'tenant=acme',
    };
    const view = (ctx: Context) => {
      const sc = trace.getSpanContext(ctx);
      return {
        span: sc && { ...sc, traceState: sc.traceState?.serialize() },
        baggage: propagation.getBaggage(ctx)?.getAllEntries().map(([k, v]) => [k, v.value]),
      };
    };
    const lean = new LeanW3CPropagator().extract(LEAN_ROOT_CONTEXT, headers, defaultTextMapGetter);
    expect(view(lean)).to.deep.equal(view(stock.extract(ROOT_CONTEXT, headers, defaultTextMapGetter)));
    expect(lean.constructor).to.equal(LEAN_ROOT_CONTEXT.constructor);
  });

  it('is where an incoming call\'s context starts (not the API ROOT_CONTEXT, whose every setValue copies a Map)', () => {
    const ctx = extractFromMetadata(new Metadata());
    expect(ctx.constructor).to.equal(LEAN_ROOT_CONTEXT.constructor);
    expect(ctx.constructor).to.not.equal(ROOT_CONTEXT.constructor);
  });
});

describe('trace flags of log lines and traceresponse', () => {
  it('are the two-digit hex of every flags byte, as the pino instrumentation and W3C write them', () => {
    for (let flags = 0; flags < 256; flags++) {
      const hex = flags.toString(16).padStart(2, '0');
      const fields = spanLogFields({ spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: flags }) });
      expect(fields.trace_flags).to.equal(hex);
      expect(formatTraceparent('a'.repeat(32), 'b'.repeat(16), flags)).to.equal(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-${hex}`);
    }
  });
});
