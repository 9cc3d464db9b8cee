import type { IncomingMessage } from 'node:http';
import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import proxyaddr from 'proxy-addr';
import { addressListProblem } from '../config/fields';
import { parseTraceparentFast } from './trace-headers';

// Trace context at a trust boundary. A caller that is not trusted must not choose the trace id,
// the sampling decision, tracestate or baggage of what it asks for (W3C Trace Context, "Security
// considerations"): it could force every request it sends to be recorded, whatever the sampling
// rate, or add spans to a trace whose id it has learned, and push baggage into every service
// behind the edge. Its headers are therefore taken off the request before anything reads them
// (the stock http instrumentation included), so the request starts a new trace sampled at the
// configured rate; the caller's context is kept as a span link of that trace's server span, so
// the two can still be joined.

/** The W3C trace context headers a caller can send. */
export const TRACE_CONTEXT_HEADERS = ['traceparent', 'tracestate', 'baggage'] as const;

/** `*`: every caller is trusted. */
export const TRUST_EVERY_CALLER = '*';

const CALLER_CONTEXT = Symbol('untrustedCallerContext');
type WithCallerContext = { [CALLER_CONTEXT]?: SpanContext };

/**
 * Validates a list of trusted callers: `*` alone, or addresses, CIDR ranges and the names
 * `loopback` / `linklocal` / `uniquelocal`. Returns the problem, or undefined when it is valid.
 */
export function trustedCallersProblem(entries: readonly string[]): string | undefined {
  if (entries.includes(TRUST_EVERY_CALLER)) return entries.length === 1 ? undefined : `"${TRUST_EVERY_CALLER}" stands alone`;
  return addressListProblem(entries);
}

/**
 * Whether a client address may steer tracing: `*` trusts everyone, an empty list nobody (an
 * unknown address included).
 */
export function traceContextTrust(entries: readonly string[]): (address: string | undefined) => boolean {
  if (entries.includes(TRUST_EVERY_CALLER)) return () => true;
  if (entries.length === 0) return () => false;
  const trusted = proxyaddr.compile([...entries]);
  return (address) => address !== undefined && trusted(address, 0);
}

/**
 * Takes an untrusted caller's trace context headers off `req` and remembers its span context (a
 * valid traceparent only) for {@link untrustedCallerContext}. Call before anything reads them.
 */
export function distrustTraceContext(req: IncomingMessage): void {
  const headers = req.headers;
  if (headers.traceparent === undefined && headers.tracestate === undefined && headers.baggage === undefined) return;
  const raw = headers.traceparent;
  const parsed = typeof raw === 'string' ? parseTraceparentFast(raw.trim()) : null;
  if (parsed) {
    (req as WithCallerContext)[CALLER_CONTEXT] = {
      traceId: parsed.traceId,
      spanId: parsed.spanId,
      traceFlags: parsed.traceFlags & TraceFlags.SAMPLED,
      isRemote: true,
    };
  }
  for (const name of TRACE_CONTEXT_HEADERS) delete headers[name];
}

/** The span context an untrusted caller sent, for a link from the trace its request started. */
export function untrustedCallerContext(req: IncomingMessage): SpanContext | undefined {
  return (req as WithCallerContext)[CALLER_CONTEXT];
}
