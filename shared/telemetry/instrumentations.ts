import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { pathOf, REDACTED_QUERY_PARAMS, UNTRACED_GRPC_METHODS, UNTRACED_PATHS } from './untraced';

/** The stock instrumentations, loaded with `instrumentation: auto` only. */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has(pathOf(req.url)),
      // This project makes no outgoing HTTP calls of its own; the only ones are exporters
      // posting spans, which must never be traced themselves.
      ignoreOutgoingRequestHook: () => true,
      redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
      // Request and response headers are never copied onto spans (Authorization, Cookie).
      headersToSpanAttributes: { server: { requestHeaders: [], responseHeaders: [] } },
    }),
    new GrpcInstrumentation({ ignoreGrpcMethods: UNTRACED_GRPC_METHODS }),
    new PinoInstrumentation({ disableLogSending: true }),
    // Every middleware layer would otherwise be a span of its own; the route still names the
    // HTTP server span (`GET /api/v1/users/:id`), which is what matters.
    new ExpressInstrumentation({
      ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER],
    }),
  ];
}
