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

/** What a handler gets besides its request; pass it as the parent of downstream calls. */
export interface HandlerContext extends CallParent {
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
}

/** A promise-returning handler for one unary RPC. */
export type AsyncUnary<Req, Res> = (request: Req, ctx: HandlerContext) => Promise<Res>;

/** The async form of a ts-proto `...Server` interface. */
export type AsyncService<S> = {
  // ts-proto's server interfaces carry grpc-js's string index signature: skip it, keep the methods.
  [K in keyof S as string extends K ? never : number extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res> ? AsyncUnary<Req, Res> : never;
};

/** Options of {@link implement}. */
export interface ImplementOptions {
  /** `service` attribute on operation spans and `service` in logs, e.g. `user-service`. */
  service: string;
  logger: Logger;
  /** Extra attributes on every operation span, e.g. `auth.method`. */
  attributes?: (operation: string) => Attributes;
  /** Faults to inject (the FAULTS setting); rules for methods this service does not serve are ignored. */
  faults?: FaultPlan | undefined;
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
 * has its errors mapped by {@link toGrpcError}.
 */
export function implement<S>(
  definition: ServiceDefinition,
  handlers: AsyncService<S>,
  options: ImplementOptions,
): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(definition)) {
    const own = (handlers as Record<string, AsyncUnary<unknown, unknown>>)[key];
    if (!own) throw new Error(`no handler for ${method.path}`);
    // Resolved once here, so a method without a rule runs exactly the code it would without FAULTS.
    const rule = options.faults?.get(method.path.replace(/^\//, ''));
    const handler = rule ? withFault(own, rule) : own;
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
      let ctx: HandlerContext | undefined;
      traced
        .inSpan(operation, attributes, served.parent, (span) => handler(call.request, (ctx = { metadata: call.metadata, deadline: deadlineMs, trace: span })))
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
