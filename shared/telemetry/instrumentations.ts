import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { edgeRequestAttributes } from './edge-attributes';
import { pathOf, UNTRACED_GRPC_METHODS, UNTRACED_PATHS } from './untraced';

/** The stock http instrumentation's options: what it never traces and how it records the rest. */
export const HTTP_OPTIONS: HttpInstrumentationConfig = {
  ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has(pathOf(req.url)),
  // This project makes no outgoing HTTP calls of its own; the only ones are exporters
  // posting spans, which must never be traced themselves.
  ignoreOutgoingRequestHook: () => true,
  // This project's rules over the stock attributes (edge-attributes.ts): no query string,
  // addresses never from forwarded headers; the gateway then sets the client address its
  // trust rules resolved (auto-tracing.ts).
  startIncomingSpanHook: (req) => edgeRequestAttributes(req),
  // Request and response headers are never copied onto spans (Authorization, Cookie).
  headersToSpanAttributes: { server: { requestHeaders: [], responseHeaders: [] } },
};

/** The stock instrumentations, loaded with `instrumentation: auto` only. */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation(HTTP_OPTIONS),
    new GrpcInstrumentation({ ignoreGrpcMethods: UNTRACED_GRPC_METHODS }),
    new PinoInstrumentation({ disableLogSending: true }),
    // Every middleware layer would otherwise be a span of its own; the route still names the
    // HTTP server span (`GET /api/v1/users/:id`), which is what matters.
    new ExpressInstrumentation({
      ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER],
    }),
  ];
}
