import { Metadata, ResponderBuilder, ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor } from '@grpc/grpc-js';

/** The trailer (gRFC A6) by which a server tells a caller's retry policy whether to retry its answer. */
export const RETRY_PUSHBACK_KEY = 'grpc-retry-pushback-ms';

// Retries are for instances that are gone (connection refused, dropped, drained): the caller's
// transport makes those UNAVAILABLE itself, without this trailer. An UNAVAILABLE a running
// instance answers comes from something every instance shares, nearly always (the auth service
// or the database is down), so another instance would answer the same; and the gateway retrying
// a user service that retries the auth service would multiply the calls to a service already
// down. Pushback -1 says "do not retry" to grpc-js's retry policy and to unary()'s repeat.
const responder = new ResponderBuilder()
  .withSendStatus((status, next) => {
    if (status.code !== GrpcStatus.UNAVAILABLE) return next(status);
    const metadata = status.metadata ?? new Metadata();
    metadata.set(RETRY_PUSHBACK_KEY, '-1');
    next({ ...status, metadata });
  })
  .build();

/** Server interceptor: an UNAVAILABLE answered by a handler carries pushback -1 (never retried elsewhere). */
export const noRetryOfAnsweredUnavailable: ServerInterceptor = (_method, call) => new ServerInterceptingCall(call, responder);

/** Whether a failed call's trailers say not to retry it (a negative pushback). */
export function refusesRetry(err: { metadata?: Metadata } | null | undefined): boolean {
  const value = err?.metadata?.get(RETRY_PUSHBACK_KEY)[0];
  return typeof value === 'string' && Number(value) < 0;
}
