import {
  type CallOptions,
  type Client,
  type ClientOptions,
  type ClientUnaryCall,
  type ChannelCredentials,
  type Metadata,
  type ServiceError,
  Metadata as GrpcMetadata,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { tracing } from '../telemetry/active-config';
import type { TraceParent } from '../telemetry/tracing';
import { registerHealthCheckedPolicy } from './health-checked-lb';
import { refusesRetry } from './retry-pushback';
import { isRetryableMethod, serviceConfigFor } from './service-config';
import type { ServiceTls } from './tls';

/** The constructor shape ts-proto generates for a grpc-js service client. */
export type ClientConstructor<C extends Client> = (new (
  address: string,
  creds: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C) & { serviceName?: string };

// Keepalive lets a channel notice a dead peer (a stopped service) instead of waiting for the
// kernel; the backoff cap keeps reconnection fast once the peer is back. The service config
// spreads calls over every instance the target names and retries the idempotent reads
// (service-config.ts). TLS names the expected service, not the host dialled: the server's
// identity is what the handshake checks (tls.ts), every certificate of the system carries it as a
// DNS name, and an IP address is no TLS server name (RFC 6066; Node warns of it). Identical
// options for one service mean the channels to it (the gateway's service client and its
// readiness client) share their connections through grpc-js's pool.
function channelOptions(serviceName: string, server: string): Partial<ClientOptions> {
  registerHealthCheckedPolicy();
  return {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.max_reconnect_backoff_ms': 2_000,
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.service_config': JSON.stringify(serviceConfigFor(serviceName)),
    ...serverNameOf(server),
  };
}

/**
 * The channel option that makes TLS name the service identity `server` instead of the host
 * dialled: for a channel made without {@link createClient} (a test's raw client) over
 * `ServiceTls.channelTo(server)`.
 */
export function serverNameOf(server: string): Partial<ClientOptions> {
  return { 'grpc.ssl_target_name_override': server };
}

/** Whom {@link createClient} expects to reach, and how it balances. */
export interface ClientPeer {
  /** The service identity that must answer (`user-service`: serviceIdentity() of its name); any other certificate fails the connection. */
  server: string;
  /** The service whose health decides which instances get calls; the client's own by default. */
  serviceName?: string | undefined;
}

/**
 * Creates a gRPC client for `target`: `host:port`, `dns:///name:port` or a list of instances
 * `ipv4:a:p,b:p` (target.ts), over mutual TLS with the process's identity `tls`: our certificate
 * tells the server which service calls, and the server's must chain to the CA and prove
 * `peer.server`'s SPIFFE ID, whichever host answers. A connection to anyone else fails, and calls
 * fail UNAVAILABLE naming what the certificate proved. Create once per process and reuse.
 */
export function createClient<C extends Client>(Ctor: ClientConstructor<C>, target: string, tls: ServiceTls, peer: ClientPeer): C {
  const serviceName = peer.serviceName ?? Ctor.serviceName;
  if (!serviceName) throw new Error('createClient: the client constructor names no service; pass serviceName');
  return new Ctor(target, tls.channelTo(peer.server), channelOptions(serviceName, peer.server));
}

/** A generated unary method of a client (unbound: grpc-js puts its `path` on it). */
export type UnaryMethod<Req, Res> = ((
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall) & { path?: string };

/**
 * What a downstream call inherits from the call being served: its deadline and its place in the
 * trace. A service handler's context is one.
 */
export interface CallParent {
  /** The served call's deadline (ms since epoch), if it has one. */
  deadline?: number | undefined;
  /** The parent of downstream calls; the active context when absent. */
  trace?: TraceParent | undefined;
}

/** Per-call options of {@link unary}. */
export interface UnaryOptions {
  metadata?: Metadata;
  /** Absolute deadline (ms since epoch). */
  deadline: number;
  /** The call's parent in the trace (a handler's or procedure's `trace`); the active context when absent. */
  trace?: TraceParent | undefined;
}

/**
 * Calls `client`'s unary `method` (e.g. `client.getUser`) and resolves with its response. Every
 * call has a deadline: callers pass one from {@link deadlineFor}, so a downstream call never
 * outlives the request that caused it. The one place outgoing calls are traced: the call's span
 * starts here under `options.trace`, and its trace context travels in the metadata.
 */
export function unary<C extends Client, Req, Res>(client: C, method: UnaryMethod<Req, Res>, request: Req, options: UnaryOptions): Promise<Res> {
  const metadata = options.metadata ?? new GrpcMetadata();
  const end = method.path === undefined ? undefined : tracing().callGrpc(client, method.path, options.trace, metadata);
  return new Promise((resolve, reject) => {
    const attempt = (md: Metadata, mayRepeat: boolean) => {
      let answering = false;
      const call = method.call(client, request, md, { deadline: options.deadline }, (err, res) => {
        // grpc-js retries an idempotent read only until the response headers arrive (gRFC A6:
        // the call is then committed). An instance that dies between its headers and its
        // trailers leaves such a read failed with UNAVAILABLE although repeating it is safe:
        // repeat it once, on a new call the balancer sends to a live instance, within the deadline.
        if (err?.code === GrpcStatus.UNAVAILABLE && mayRepeat && answering && !refusesRetry(err) && Date.now() < options.deadline) {
          attempt(metadata.clone(), false);
          return;
        }
        end?.(err);
        if (err) reject(err);
        else resolve(res);
      });
      if (mayRepeat) call.once('metadata', () => (answering = true));
    };
    attempt(metadata, method.path !== undefined && isRetryableMethod(method.path));
  });
}

/**
 * The deadline of a call made now: `defaultMs` from now, but never later than `inherited` (the
 * deadline of the call being served, when there is one), so deadlines shrink down the chain.
 */
export function deadlineFor(defaultMs: number, inherited?: number | Date): number {
  const own = Date.now() + defaultMs;
  const parent = inherited instanceof Date ? inherited.getTime() : inherited;
  return parent !== undefined && Number.isFinite(parent) ? Math.min(own, parent) : own;
}
