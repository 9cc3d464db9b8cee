import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { TRPCError } from '@trpc/server';
import { fromGrpcStatus } from '../../shared/errors/status-map';
import { retryAfterOf } from '../../shared/grpc/metadata';

// Statuses grpc-js raises itself (no connection, deadline, cancelled) carry transport details such
// as addresses and errno names; a caller gets a fixed message instead.
const TRANSPORT_MESSAGES: ReadonlyMap<number, string> = new Map([
  [GrpcStatus.UNAVAILABLE, 'service unavailable'],
  [GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded'],
  [GrpcStatus.CANCELLED, 'request cancelled'],
  [GrpcStatus.UNIMPLEMENTED, 'not implemented'],
]);

/** Whether `err` is the error a grpc-js client call fails with. */
export function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    typeof (err as Partial<ServiceError>).details === 'string'
  );
}

/**
 * Converts a failed gRPC call into the TRPCError the caller sees, through the shared status map.
 * The message is the service's `details` (services only send safe messages); transport failures
 * get a fixed message and anything unknown becomes INTERNAL_SERVER_ERROR `internal error`.
 */
export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  if (!isServiceError(err)) return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error', cause: err });
  const { trpc } = fromGrpcStatus(err.code);
  const message =
    trpc === 'INTERNAL_SERVER_ERROR'
      ? 'internal error'
      : (TRANSPORT_MESSAGES.get(err.code) ?? (err.details || trpc.toLowerCase().replace(/_/g, ' ')));
  return new TRPCError({ code: trpc, message, cause: err });
}

/** Seconds the service asked the caller to wait (its `retry-after` trailer), for a Retry-After header. */
export function retryAfterSeconds(error: TRPCError): number | undefined {
  return isServiceError(error.cause) ? retryAfterOf(error.cause.metadata) : undefined;
}
