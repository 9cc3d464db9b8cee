import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { parseBearer } from '../../shared/grpc/metadata';
import type { TraceParent } from '../../shared/telemetry/tracing';
import { requestParent } from '../http-tracing/request-tracing';
import type { GatewayConfig } from '../config';
import type { GatewayClients } from '../grpc-clients';
import type { BearerCheck } from './bearer-check';

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
  /**
   * The request's place in its trace: the HTTP request, replaced by each procedure's `trpc` span
   * for the calls it makes. Undefined for a caller built without a request (the active context).
   */
  trace: TraceParent | undefined;
  /**
   * Set by `protectedProcedure` only: the caller's bearer token and whether a service has verified
   * it yet (call-service.ts does not act for an unverified caller).
   */
  bearer?: BearerCheck | undefined;
}

/** The parts of the gateway a context is built from. */
export interface ContextDeps {
  clients: GatewayClients;
  config: GatewayConfig;
  /** The client address of a request (client-address.ts, after TRUST_PROXY). */
  clientAddress: (req: IncomingMessage) => string | undefined;
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
  const { clientAddress } = deps;
  return (req) => ({
    auth: readAuth(req.headers),
    clients: deps.clients,
    config: deps.config,
    clientAddress: clientAddress(req),
    trace: requestParent(req),
  });
}
