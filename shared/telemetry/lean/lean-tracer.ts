import {
  context as contextApi,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { IdGenerator, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LeanSpan, type LeanSpanLimits, type LeanSpanShared } from './lean-span';
import type { SamplingDecision } from './sampling';

// Bound once: the API's `trace` is a getter on its module, read on every call otherwise.
const { getSpan, setSpan, wrapSpanContext } = trace;

/** Settings of {@link LeanTracerProvider}. */
export interface LeanTracerProviderOptions {
  resource: Resource;
  /** The sampling decision (sampling.ts: the stock parent-based ratio sampler's, inlined). */
  sampled: SamplingDecision;
  idGenerator: IdGenerator;
  processors: SpanProcessor[];
  limits?: Partial<LeanSpanLimits>;
}

// The SDK's defaults (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT).
const DEFAULT_LIMITS: LeanSpanLimits = { attributeCountLimit: 128, eventCountLimit: 128, linkCountLimit: 128 };

/** Fans span ends out to every processor (most processes have two: the counter and the exporter). */
class Processors implements SpanProcessor {
  constructor(private readonly list: SpanProcessor[]) {}
  onStart(span: Span & LeanSpan, parent: Context): void {
    for (const p of this.list) p.onStart(span as never, parent);
  }
  onEnd(span: LeanSpan): void {
    for (const p of this.list) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await Promise.all(this.list.map((p) => p.forceFlush()));
  }
  async shutdown(): Promise<void> {
    await Promise.all(this.list.map((p) => p.shutdown()));
  }
}

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/**
 * Whether a parent can be continued. Cheaper than the API's isSpanContextValid (two regular
 * expressions per call): parents reach here from the lean propagator, which has validated the
 * hex, or from spans of this provider.
 */
function continuable(sc: SpanContext | undefined): sc is SpanContext {
  return (
    sc !== undefined &&
    sc.traceId.length === 32 &&
    sc.spanId.length === 16 &&
    sc.traceId !== INVALID_TRACE_ID &&
    sc.spanId !== INVALID_SPAN_ID
  );
}

/** A tracer of {@link LeanTracerProvider}: the sampling decision, then a {@link LeanSpan}. */
class LeanTracer implements Tracer {
  constructor(
    private readonly shared: LeanSpanShared,
    private readonly sampled: SamplingDecision,
    private readonly ids: IdGenerator,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    const parentSpan = options.root ? undefined : getSpan(ctx);
    const parent = parentSpan?.spanContext();
    const validParent = continuable(parent) ? parent : undefined;
    const traceId = validParent ? validParent.traceId : this.ids.generateTraceId();
    const spanId = this.ids.generateSpanId();
    const traceState = validParent?.traceState;
    if (!this.sampled(validParent, traceId)) {
      return wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.NONE, traceState });
    }
    const span = new LeanSpan(
      name,
      options.kind ?? SpanKind.INTERNAL,
      { traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState },
      validParent,
      options.attributes,
      options.startTime,
      options.links,
      this.shared,
      // A parent in this process lends its clock anchor; a local root reads the wall clock.
      parentSpan instanceof LeanSpan ? parentSpan.anchor : undefined,
    );
    this.shared.processor.onStart(span, ctx);
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args[args.length - 1] as F;
    const options = (args.length > 1 ? args[0] : undefined) as SpanOptions | undefined;
    const parent = (args.length > 2 ? args[1] : undefined) as Context | undefined;
    const ctx = parent ?? contextApi.active();
    const span = this.startSpan(name, options, ctx);
    return contextApi.with(setSpan(ctx, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * The tracer provider of lean tracing. Measured against the SDK's (sdk-trace-base's, which
 * NodeSDK builds): its startSpan sanitises the attributes three times, records `otel.sdk.span.*`
 * metrics through a meter even when nothing reads them, and allocates closures per span; for
 * spans that carry a handful of attributes that was most of what a span cost
 * (bench/README.md). Samplers, id generators and span processors are the SDK's own interfaces,
 * so the stock samplers, BatchSpanProcessor and exporters work with it unchanged.
 */
export class LeanTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, LeanTracer>();
  private readonly processor: Processors;
  private readonly limits: LeanSpanLimits;

  constructor(private readonly options: LeanTracerProviderOptions) {
    this.processor = new Processors(options.processors);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      const scope: InstrumentationScope = { name, version, schemaUrl: options?.schemaUrl };
      tracer = new LeanTracer(
        { resource: this.options.resource, scope, processor: this.processor, limits: this.limits },
        this.options.sampled,
        this.options.idGenerator,
      );
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  /** Exports what every processor holds. */
  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  /** Flushes and stops every processor. */
  shutdown(): Promise<void> {
    return this.processor.shutdown();
  }
}
