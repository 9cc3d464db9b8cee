import {
  status as GrpcStatus,
  type handleUnaryCall,
  Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import { AppError } from '../errors/app-error';
import type { FaultPlan } from '../faults/fault-rules';
import { withFault, type InjectedFault } from '../faults/inject-fault';
import type { Logger } from '../logging/logger';
import { tracing } from '../telemetry/active-config';
import { operationKey } from '../telemetry/spans';
import type { LogTraceFields, TraceParent } from '../telemetry/tracing';
import type { CallParent } from './client';
import { RETRY_AFTER_KEY, retryAfterOf } from './metadata';
import { methodAuth, type MethodAuth } from './method-auth';
import { peerServiceOf } from './connection-identity';
import { checkServiceCaller } from './service-identity';

/** Who called: what a service's {@link ImplementOptions.authenticate} makes of a valid access token. */
export interface AuthenticatedCaller {
  /** The user id the token was issued to (`enduser.id` on the operation span). */
  id: string;
}

/** What a handler gets besides its request; pass it as the parent of downstream calls. */
export interface HandlerContext<C = unknown> extends CallParent {
  metadata: Metadata;
  /** The caller's deadline (ms since epoch), or undefined if it set none. */
  deadline: number | undefined;
  /**
   * The call's operation span (`GetUser`, `Login`, ...): add attributes such as `enduser.id` to
   * it, and pass it on as the parent of downstream calls.
   */
  trace: TraceParent;
  /** What FAULTS injected into this call, if anything (set before the handler runs; logged on the rpc line). */
  fault?: InjectedFault | undefined;
  /**
   * The authenticated caller, set by {@link implement} before the handler runs for every RPC
   * its contract does not mark public; undefined for public ones. Read it with {@link callerOf}.
   */
  caller?: C | undefined;
  /**
   * The service that called (`gateway`, `user-service`, ...), as its mutual-TLS certificate
   * proves it; {@link implement} has checked it against the RPC's `callers` before the handler runs.
   */
  peerService?: string | undefined;
}

/**
 * The caller of a protected RPC. Throws (INTERNAL) if there is none, which means the handler
 * belongs to an RPC its contract marks public: a contract bug, never a caller's.
 */
export function callerOf<C>(ctx: HandlerContext<C>): C {
  if (ctx.caller === undefined) throw new Error('no authenticated caller: the RPC is marked public in its contract');
  return ctx.caller;
}

/** A promise-returning handler for one unary RPC. */
export type AsyncUnary<Req, Res, C = unknown> = (request: Req, ctx: HandlerContext<C>) => Promise<Res>;

/** The async form of a ts-proto `...Server` interface; `C` is the service's caller type. */
export type AsyncService<S, C = unknown> = {
  // ts-proto's server interfaces carry grpc-js's string index signature: skip it, keep the methods.
  [K in keyof S as string extends K ? never : number extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res> ? AsyncUnary<Req, Res, C> : never;
};

/** Options of {@link implement}. */
export interface ImplementOptions<C extends AuthenticatedCaller = AuthenticatedCaller> {
  /** `service` attribute on operation spans and `service` in logs, e.g. `user-service`. */
  service: string;
  logger: Logger;
  /** Extra attributes on every operation span, e.g. `auth.method`. */
  attributes?: (operation: string) => Attributes;
  /** Faults to inject (the FAULTS setting); rules for methods this service does not serve are ignored. */
  faults?: FaultPlan | undefined;
  /**
   * Identifies the caller from the call's metadata (the bearer access token), or throws
   * UNAUTHENTICATED. Run before the handler of every RPC whose contract does not carry
   * `option (common.v1.auth) = {public: true}`; required if the service has any such RPC.
   */
  authenticate?: (ctx: HandlerContext<C>) => Promise<C>;
}

interface GrpcErrorLike {
  code: number;
  details?: string;
  metadata?: Metadata;
}

const isGrpcError = (err: unknown): err is GrpcErrorLike =>
  typeof err === 'object' && err !== null && typeof (err as GrpcErrorLike).code === 'number';

/**
 * Maps what a handler threw to what the caller sees. AppErrors and statuses from downstream
 * services pass through (their messages are ours); anything else is INTERNAL with a generic
 * message, so no stack trace or driver error leaves the process.
 */
export function toGrpcError(err: unknown): { code: GrpcStatus; details: string; metadata?: Metadata } {
  if (err instanceof AppError) {
    return { code: err.grpcStatus, details: err.message, ...retryAfterTrailer(err.retryAfterSeconds) };
  }
  if (isGrpcError(err) && err.code !== GrpcStatus.OK && err.code in GrpcStatus) {
    // A downstream service's retry-after travels on to our caller with its status.
    return { code: err.code, details: err.details || GrpcStatus[err.code] || 'error', ...retryAfterTrailer(retryAfterOf(err.metadata)) };
  }
  return { code: GrpcStatus.INTERNAL, details: 'internal error' };
}

/** The `retry-after` trailer (whole seconds, at least 1) when there is a retry time to send. */
function retryAfterTrailer(seconds: number | undefined): { metadata?: Metadata } {
  if (seconds === undefined) return {};
  const metadata = new Metadata();
  metadata.set(RETRY_AFTER_KEY, String(Math.max(1, Math.ceil(seconds))));
  return { metadata };
}

/**
 * Turns an object of async handlers into a grpc-js service implementation: the one place every
 * incoming call passes. Every RPC continues its caller's trace, runs in an operation span named
 * after the method (`CreateUser`, `Login`, ...), is logged once with its status and duration, and
 * has its errors mapped by {@link toGrpcError}. Before the handler, every call must come from a
 * service of this system that its contract allows (`common.v1.auth`'s `callers`, read from the
 * descriptors, against the peer's mutual-TLS certificate: {@link checkServiceCaller}); then every
 * RPC the contract does not mark public is authenticated by `options.authenticate`, whose caller
 * the handler gets as `ctx.caller`. A handler can skip neither.
 */
export function implement<S, C extends AuthenticatedCaller = AuthenticatedCaller>(
  definition: ServiceDefinition,
  handlers: AsyncService<S, C>,
  options: ImplementOptions<C>,
): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(definition)) {
    const own = (handlers as Record<string, AsyncUnary<unknown, unknown, C>>)[key];
    if (!own) throw new Error(`no handler for ${method.path}`);
    const auth = methodAuth(method.path);
    const authenticated = auth.public ? own : requireCaller(own, method.path, options);
    const allowed = requireService(authenticated, method.path, auth);
    // Resolved once here, so a method without a rule runs exactly the code it would without FAULTS.
    const rule = options.faults?.get(method.path.replace(/^\//, ''));
    const handler = rule ? withFault(allowed, rule) : allowed;
    const operation = method.path.slice(method.path.lastIndexOf('/') + 1);
    const attributes: Attributes = {
      operation: operationKey(operation),
      service: options.service,
      ...options.attributes?.(operation),
    };
    impl[key] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = process.hrtime.bigint();
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : undefined;
      const traced = tracing();
      const served = traced.serveGrpc(method.path, call.metadata);
      // The service the peer's certificate proves, read once per connection when its TLS handshake
      // completed (mtls-port.ts, connection-identity.ts); requireService checks it against the contract.
      const peerService = peerServiceOf(call.metadata);
      let ctx: HandlerContext<C> | undefined;
      traced
        .inSpan(operation, attributes, served.parent, (span) => handler(call.request, (ctx = { metadata: call.metadata, deadline: deadlineMs, trace: span, peerService })))
        .then(
          (response) => {
            log(options.logger, method.path, GrpcStatus.OK, started, served.logFields(), undefined, ctx?.fault);
            served.end(null);
            callback(null, response);
          },
          (err: unknown) => {
            const mapped = toGrpcError(err);
            log(options.logger, method.path, mapped.code, started, served.logFields(), errorToLog(err, mapped.code), ctx?.fault);
            served.end(mapped);
            callback(mapped);
          },
        );
    };
  }
  return impl;
}

/**
 * `handler` behind the contract's `callers`: it runs only for a peer proving a service identity
 * the RPC allows (UNAUTHENTICATED / PERMISSION_DENIED otherwise, before any token is looked at).
 */
function requireService<C>(handler: AsyncUnary<unknown, unknown, C>, path: string, auth: MethodAuth): AsyncUnary<unknown, unknown, C> {
  return async (request, ctx) => {
    checkServiceCaller(path, ctx.peerService, auth);
    return handler(request, ctx);
  };
}

/**
 * `handler` behind the service's authentication: the caller it identifies becomes `ctx.caller`
 * and the span's `enduser.id`. Its errors (UNAUTHENTICATED) are the call's, and the handler does
 * not run. A service with a protected RPC and no authenticate option does not start.
 */
function requireCaller<C extends AuthenticatedCaller>(
  handler: AsyncUnary<unknown, unknown, C>,
  path: string,
  options: ImplementOptions<C>,
): AsyncUnary<unknown, unknown, C> {
  const { authenticate } = options;
  if (!authenticate) {
    throw new Error(`${path} needs an access token (its contract does not mark it public), but ${options.service} has no authenticate option`);
  }
  return async (request, ctx) => {
    const caller = await authenticate(ctx);
    ctx.caller = caller;
    ctx.trace.setAttribute('enduser.id', caller.id);
    return handler(request, ctx);
  };
}

/**
 * The error worth a log record beside the status: an unexpected one (INTERNAL), or one a lower
 * layer mapped (a database outage becomes UNAVAILABLE with the driver's error as its cause).
 */
function errorToLog(err: unknown, code: GrpcStatus): unknown {
  return code === GrpcStatus.INTERNAL || (err instanceof Error && err.cause !== undefined) ? err : undefined;
}

function log(
  logger: Logger,
  rpc: string,
  code: GrpcStatus,
  started: bigint,
  traceFields: LogTraceFields,
  err?: unknown,
  fault?: InjectedFault,
): void {
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  const line = { rpc, code: GrpcStatus[code], durationMs: Math.round(durationMs * 100) / 100, ...traceFields, ...(fault && { fault }) };
  if (err) logger.error({ ...line, err }, 'rpc failed');
  else logger.info(line, 'rpc');
}
