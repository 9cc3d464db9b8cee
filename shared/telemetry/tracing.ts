import type { IncomingMessage } from 'node:http';
import type { Client, Metadata } from '@grpc/grpc-js';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';

// The few operations a request needs from tracing, whatever makes its spans. The implementation
// is chosen once, when the process starts tracing (bootstrap.ts); everything outside
// shared/telemetry calls this interface and never asks which one is on. Each implementation is one
// file, over the operation and DB spans they all make alike (spans.ts):
//   off-tracing.ts       tracing off: no span, the caller's trace context carried by hand
//   auto-tracing.ts      the stock instrumentations make the HTTP and gRPC spans
//   lean/lean-tracing.ts the default: the HTTP and gRPC spans made right there, nothing patched

/**
 * Where a request stands in its trace: the parent of whatever it does next, and the span it is
 * in (an operation, a tRPC procedure, the HTTP request). A request carries this one value from
 * where it comes in to every call it makes. Its content is the implementation's business.
 */
export interface TraceParent {
  /** Sets an attribute on the span this parent stands for (nothing when nothing records). */
  setAttribute(key: string, value: AttributeValue): void;
  /** Adds an event to that span. */
  addEvent(name: string, attributes?: Attributes): void;
  /** Marks that span failed with `error`, for outcomes reported as values rather than thrown. */
  fail(error: unknown): void;
}

/** A log line's trace fields, as the pino instrumentation writes them. */
export interface LogTraceFields {
  trace_id?: string;
  span_id?: string;
  trace_flags?: string;
}

/** One incoming HTTP request, from its first middleware to its response's end. */
export interface HttpServerTrace {
  /** The parent of everything the request does. */
  readonly parent: TraceParent;
  /** The W3C `traceresponse` value to send back, if the request has a trace. */
  traceResponse(): string | undefined;
  /** The request log line's trace fields. */
  logFields(): LogTraceFields;
  /** Ends the request's span: the status sent and the route that took it, when one did. */
  end(status: number, route: string | undefined): void;
}

/** One incoming gRPC call, from the handler's start to the status sent. */
export interface GrpcServerTrace {
  /** The parent of the call's operation span. */
  readonly parent: TraceParent;
  /** The rpc log line's trace fields. */
  logFields(): LogTraceFields;
  /** Ends the call's span with the status sent (null: OK). */
  end(error: { code: number } | null): void;
}

/** Ends an outgoing gRPC call's span with its outcome (null: OK). */
export type GrpcClientEnd = (error: { code?: number; name?: string; message?: string } | null) => void;

/** A database statement's span: its name (`SELECT users`) and attributes. */
export interface DbStatementSpan {
  name: string;
  attributes: Attributes;
}

/** What a request's code asks of tracing. */
export interface Tracing {
  /**
   * An HTTP request comes in: continue (or start) its trace. `clientAddress`: the client's address
   * as the edge's trust rules resolved it (TRUST_PROXY), recorded as the span's `client.address`;
   * the socket's peer when not given. Forwarded headers are never read for it here.
   */
  serveHttp(req: IncomingMessage, clientAddress?: string): HttpServerTrace;
  /** A gRPC call comes in on `path` (`/user.v1.UserService/GetUser`) with `metadata`. */
  serveGrpc(path: string, metadata: Metadata): GrpcServerTrace;
  /**
   * A gRPC call goes out through `client` on `path`, under `parent` (the active context when
   * undefined): its span starts and its trace context is written into `metadata`.
   */
  callGrpc(client: Client, path: string, parent: TraceParent | undefined, metadata: Metadata): GrpcClientEnd;
  /**
   * Runs `run` in an INTERNAL span `name` under `parent` (the active context when undefined),
   * active while it runs; `run` gets the span as the parent of what it does. A thrown error is
   * recorded and the span marked ERROR.
   */
  inSpan<T>(name: string, attributes: Attributes, parent: TraceParent | undefined, run: (span: TraceParent) => T | Promise<T>): Promise<T>;
  /**
   * Runs one database statement in a CLIENT span that `describe()` names and describes. It is
   * called only when the span records: a statement nobody records (tracing off, or a request
   * not sampled) pays for no span data. A failure is recorded by its class only (driver messages
   * can quote values) and rethrown as is.
   */
  dbStatement<T>(describe: () => DbStatementSpan, run: () => Promise<T>): Promise<T>;
  /** What the process logger needs so a line written inside a span carries its ids. */
  readonly loggerOptions: Pick<LoggerOptions, 'mixin' | 'mixinMergeStrategy'>;
}
