import type { SpanContext } from '@opentelemetry/api';

/** Settings of {@link createSampling}: the project's sampling configuration. */
export interface SamplingSettings {
  /** Fraction of new traces recorded, 0..1. */
  rate: number;
  /** Follow the caller's sampled flag when there is a parent. */
  parentBased: boolean;
}

/** Whether a span is sampled, given its valid parent (or none) and its trace id. */
export type SamplingDecision = (parent: SpanContext | undefined, traceId: string) => boolean;

/**
 * The decision the SDK's ParentBasedSampler(TraceIdRatioBasedSampler(rate)) makes, inlined: a
 * parent's sampled flag is followed (remote or local), a root is sampled when the XOR of the
 * trace id's four 32-bit words is below rate x 2^32, exactly as TraceIdRatioBasedSampler
 * computes it, so processes on the stock SDK and on this one agree on every trace.
 */
export function createSampling({ rate, parentBased }: SamplingSettings): SamplingDecision {
  const upper = rate >= 1 ? 0x100000000 : rate <= 0 ? 0 : Math.floor(rate * 0xffffffff);
  const root = (traceId: string): boolean => {
    if (upper === 0x100000000) return true;
    if (upper === 0) return false;
    let acc = 0;
    for (let i = 0; i < 32; i += 8) {
      let part = 0;
      for (let j = 0; j < 8; j++) {
        const c = traceId.charCodeAt(i + j);
        part = (part << 4) | (c < 58 ? c - 48 : c < 71 ? c - 55 : c - 87);
      }
      acc = (acc ^ part) >>> 0;
    }
    return acc < upper;
  };
  return parentBased ? (parent, traceId) => (parent ? (parent.traceFlags & 1) === 1 : root(traceId)) : (_parent, traceId) => root(traceId);
}
