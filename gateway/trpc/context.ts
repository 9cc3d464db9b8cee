import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Context as OtelContext } from '@opentelemetry/api';
import { parseBearer } from '../../shared/grpc/metadata';
import type { TraceHeaders } from '../../shared/telemetry/trace-headers';
import { clientAddressResolver } from '../client-address';
import { requestSpanContext } from '../request-span';
import { requestTrace } from '../request-trace';
import type { GatewayConfig } from '../config';
import type { GatewayClients } from '../grpc-clients';

/** What the request said about credentials. */
export interface RequestAuth {
  /** Whether an Authorization header was sent at all (even an unusable one). */
  present: boolean;
  /** The bearer token to forward, when the header holds one that can travel as gRPC metadata. */
  token: string | undefined;
}

/** The context every procedure sees. */
export interface Context {
  auth: RequestAuth;
  clients: GatewayClients;
  config: GatewayConfig;
  /** The end client's address (TRUST_PROXY decides whether X-Forwarded-For is believed). */
  clientAddress: string | undefined;
  /** The caller's trace context to forward by hand (tracing disabled only). */
  trace: TraceHeaders | undefined;
  /**
   * The span procedures' spans are children of (lean tracing): the request's HTTP server span,
   * replaced by each procedure's `trpc` span for the calls it makes. Undefined otherwise.
   */
  otel: OtelContext | undefined;
}

/** The parts of the gateway a context is built from. */
export interface ContextDeps {
  clients: GatewayClients;
  config: GatewayConfig;
}

// gRPC metadata values must be printable ASCII; a token with anything else cannot be a valid JWT,
// and forwarding it would throw inside grpc-js instead of being rejected by the auth service.
const METADATA_SAFE = /^[\x21-\x7e]+$/;

/** Reads the Authorization header of a request. */
export function readAuth(headers: IncomingHttpHeaders): RequestAuth {
  const header = headers.authorization;
  const token = parseBearer(header);
  return { present: header !== undefined, token: token && METADATA_SAFE.test(token) ? token : undefined };
}

/** Returns the context builder shared by the tRPC endpoint and the REST routes. */
export function createContextFactory(deps: ContextDeps): (req: IncomingMessage) => Context {
  const clientAddress = clientAddressResolver(deps.config.TRUST_PROXY);
  return (req) => ({
    auth: readAuth(req.headers),
    clients: deps.clients,
    config: deps.config,
    clientAddress: clientAddress(req),
    trace: requestTrace(req),
    otel: requestSpanContext(req),
  });
}
