import { performance } from 'node:perf_hooks';
import {
  diag,
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { isAttributeValue as isAttributeValueFn, isTimeInput as isTimeInputFn, timeInputToHrTime as timeInputToHrTimeFn } from '@opentelemetry/core';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { anchorClock, clockTime, type ClockAnchor } from './span-clock';

// Bound once: a TypeScript re-export is a getter, and this runs for every attribute.
const isAttributeValue = isAttributeValueFn;
const isTimeInput = isTimeInputFn;
const timeInputToHrTime = timeInputToHrTimeFn;
const hasOwn = Object.prototype.hasOwnProperty;

/** Limits a span enforces (the OTEL_*_LIMIT defaults of the SDK). */
export interface LeanSpanLimits {
  attributeCountLimit: number;
  eventCountLimit: number;
  linkCountLimit: number;
}

/** What a span shares with its tracer. */
export interface LeanSpanShared {
  resource: Resource;
  scope: InstrumentationScope;
  processor: SpanProcessor;
  limits: LeanSpanLimits;
}

/**
 * A recording span that is also the ReadableSpan processors and exporters read: one object,
 * plain fields, no per-span sanitising copies, limits counted instead of recomputed. Same
 * observable behaviour as the SDK's SpanImpl for what the project uses (attributes, events,
 * exceptions, status, name, end), checked by the lean-tracer unit test against the SDK.
 */
export class LeanSpan implements Span, ReadableSpan {
  readonly attributes: Attributes = {};
  readonly links: Link[] = [];
  readonly events: TimedEvent[] = [];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  endTime: HrTime = [0, 0];
  duration: HrTime = [0, 0];
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly startTime: HrTime;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  /**
   * The wall clock as this span's local root read it (span-clock.ts): a span started under a
   * span of this process takes its parent's, so that it lies within its parent.
   */
  readonly anchor: ClockAnchor;
  private attributeCount = 0;

  constructor(
    public name: string,
    readonly kind: SpanKind,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    attributes: Attributes | undefined,
    startTime: TimeInput | undefined,
    links: Link[] | undefined,
    private readonly shared: LeanSpanShared,
    anchor: ClockAnchor | undefined,
  ) {
    const now = performance.now();
    this.anchor = anchor ?? anchorClock(now);
    this.startTime = startTime === undefined ? clockTime(this.anchor, now) : timeInputToHrTime(startTime);
    this.resource = shared.resource;
    this.instrumentationScope = shared.scope;
    if (attributes) this.setAttributes(attributes);
    if (links) for (const link of links) this.addLink(link);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (value == null || this.ended) return this;
    if (key.length === 0 || !isAttributeValue(value)) {
      diag.warn(`Invalid attribute ${key.length === 0 ? 'key' : `value for key ${key}`}`);
      return this;
    }
    if (!hasOwn.call(this.attributes, key)) {
      if (this.attributeCount >= this.shared.limits.attributeCountLimit) {
        this.droppedAttributesCount++;
        return this;
      }
      this.attributeCount++;
    }
    this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) if (hasOwn.call(attributes, key)) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const limit = this.shared.limits.eventCountLimit;
    if (limit === 0) {
      this.droppedEventsCount++;
      return this;
    }
    if (this.events.length >= limit) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    let attributes: Attributes | undefined;
    // The SDK's rule: a time in the attributes' place is the time, unless a time follows it.
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime;
    } else {
      attributes = attributesOrTime;
    }
    const clean: Attributes = {};
    if (attributes) {
      for (const key in attributes) {
        const v = attributes[key];
        // The SDK's sanitising keeps null and undefined values in events (isAttributeValue accepts them).
        if (hasOwn.call(attributes, key) && key.length > 0 && isAttributeValue(v)) clean[key] = v;
      }
    }
    this.events.push({ name, attributes: clean, time: this.timeOf(time), droppedAttributesCount: 0 });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= this.shared.limits.linkCountLimit) {
      this.droppedLinksCount++;
      return this;
    }
    this.links.push(link.attributes && Object.keys(link.attributes).length > 0 ? { context: link.context, attributes: { ...link.attributes } } : { context: link.context });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    // The SDK's rules: UNSET never overwrites, OK is final, only ERROR carries a message.
    if (this.ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) return this;
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  /** A time given, or now by the anchor's clock. */
  private timeOf(input: TimeInput | undefined): HrTime {
    return input === undefined ? clockTime(this.anchor, performance.now()) : timeInputToHrTime(input);
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    const end = this.timeOf(endTime);
    let sec = end[0] - this.startTime[0];
    let ns = end[1] - this.startTime[1];
    if (ns < 0) {
      sec -= 1;
      ns += 1e9;
    }
    if (sec < 0) {
      this.endTime = [this.startTime[0], this.startTime[1]];
      this.duration = [0, 0];
    } else {
      this.endTime = end;
      this.duration = [sec, ns];
    }
    this.ended = true;
    this.shared.processor.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    // The SDK's exception event: type from code or name, message, stack trace.
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
    else diag.warn(`Failed to record an exception ${String(exception)}`);
  }
}
