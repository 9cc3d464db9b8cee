import { status as GrpcStatus } from '@grpc/grpc-js';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** One row of the error mapping: gRPC status -> tRPC code -> HTTP status. */
export interface StatusMapping {
  grpc: GrpcStatus;
  trpc: TRPC_ERROR_CODE_KEY;
  http: number;
}

// Following google.rpc.Code's HTTP mapping. Anything not listed is INTERNAL/500.
const ROWS: readonly StatusMapping[] = [
  { grpc: GrpcStatus.INVALID_ARGUMENT, trpc: 'BAD_REQUEST', http: 400 },
  { grpc: GrpcStatus.OUT_OF_RANGE, trpc: 'BAD_REQUEST', http: 400 },
  { grpc: GrpcStatus.FAILED_PRECONDITION, trpc: 'BAD_REQUEST', http: 400 },
  { grpc: GrpcStatus.UNAUTHENTICATED, trpc: 'UNAUTHORIZED', http: 401 },
  { grpc: GrpcStatus.PERMISSION_DENIED, trpc: 'FORBIDDEN', http: 403 },
  { grpc: GrpcStatus.NOT_FOUND, trpc: 'NOT_FOUND', http: 404 },
  { grpc: GrpcStatus.ALREADY_EXISTS, trpc: 'CONFLICT', http: 409 },
  { grpc: GrpcStatus.ABORTED, trpc: 'CONFLICT', http: 409 },
  { grpc: GrpcStatus.RESOURCE_EXHAUSTED, trpc: 'TOO_MANY_REQUESTS', http: 429 },
  { grpc: GrpcStatus.CANCELLED, trpc: 'CLIENT_CLOSED_REQUEST', http: 499 },
  { grpc: GrpcStatus.UNIMPLEMENTED, trpc: 'NOT_IMPLEMENTED', http: 501 },
  { grpc: GrpcStatus.UNAVAILABLE, trpc: 'SERVICE_UNAVAILABLE', http: 503 },
  { grpc: GrpcStatus.DEADLINE_EXCEEDED, trpc: 'GATEWAY_TIMEOUT', http: 504 },
];

const INTERNAL: StatusMapping = { grpc: GrpcStatus.INTERNAL, trpc: 'INTERNAL_SERVER_ERROR', http: 500 };

const byGrpc = new Map(ROWS.map((row) => [row.grpc, row]));
// The first row for a tRPC code wins, so BAD_REQUEST maps back to INVALID_ARGUMENT.
const byTrpc = new Map<TRPC_ERROR_CODE_KEY, StatusMapping>();
for (const row of ROWS) if (!byTrpc.has(row.trpc)) byTrpc.set(row.trpc, row);

/** The mapping row for a gRPC status code (INTERNAL/500 for anything unmapped). */
export function fromGrpcStatus(code: number): StatusMapping {
  return byGrpc.get(code) ?? INTERNAL;
}

/** The mapping row for a tRPC error code (INTERNAL/500 for anything unmapped). */
export function fromTrpcCode(code: TRPC_ERROR_CODE_KEY): StatusMapping {
  return byTrpc.get(code) ?? INTERNAL;
}
