import type { IncomingHttpHeaders } from 'node:http';
import { explicitTraceHeaders, httpHeaderGetter, type TraceHeaders } from '../shared/telemetry/trace-headers';

// Parsed once per request: the traceresponse header, the request log line and every gRPC call
// of the request's procedures all read it.
// A property, not a WeakMap: no ephemeron per request for the garbage collector.
const CARRIED = Symbol('carriedTrace');
type WithCarried = { [CARRIED]?: TraceHeaders | null };

/**
 * The trace context an incoming request carries, to pass on by hand when tracing is disabled
 * (undefined when tracing is on: the request's SERVER span continues it, request-span.ts in lean
 * mode, the http instrumentation in auto mode).
 */
export function requestTrace(req: { headers: IncomingHttpHeaders }): TraceHeaders | undefined {
  const known = (req as WithCarried)[CARRIED];
  if (known !== undefined) return known ?? undefined;
  const trace = explicitTraceHeaders(httpHeaderGetter(req.headers));
  (req as WithCarried)[CARRIED] = trace ?? null;
  return trace;
}
