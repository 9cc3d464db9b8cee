import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';

/** Paths that never get a span: liveness and readiness probes. */
export const UNTRACED_PATHS = new Set(['/health', '/ready']);

/** gRPC methods that never get a span: health checks and reflection (grpcurl, ghz). */
export const UNTRACED_GRPC_METHODS = ['Check', 'Watch', 'ServerReflectionInfo'];

/** Query parameters whose values are replaced by REDACTED on HTTP server spans. */
export const REDACTED_QUERY_PARAMS = [
  'access_token', 'accessToken', 'refresh_token', 'refreshToken', 'id_token', 'token', 'code', 'password',
  'secret', 'client_secret', 'api_key', 'apikey', 'key', 'sig', 'signature', 'X-Amz-Signature',
  'X-Amz-Credential', 'X-Goog-Signature', 'AWSAccessKeyId', 'Signature', 'session',
];

function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The instrumentations every process loads when tracing is enabled (none when it is not). */
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
