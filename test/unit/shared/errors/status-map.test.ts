import { status as GrpcStatus } from '@grpc/grpc-js';
import { expect } from 'chai';
import { fromGrpcStatus, fromTrpcCode } from '../../../../shared/errors/status-map';

// The gateway's REST statuses and tRPC codes all come from this table, so pin every row.
describe('gateway: gRPC status -> tRPC code -> HTTP status', () => {
  const rows: Array<[GrpcStatus, string, number]> = [
    [GrpcStatus.INVALID_ARGUMENT, 'BAD_REQUEST', 400],
    [GrpcStatus.OUT_OF_RANGE, 'BAD_REQUEST', 400],
    [GrpcStatus.FAILED_PRECONDITION, 'BAD_REQUEST', 400],
    [GrpcStatus.UNAUTHENTICATED, 'UNAUTHORIZED', 401],
    [GrpcStatus.PERMISSION_DENIED, 'FORBIDDEN', 403],
    [GrpcStatus.NOT_FOUND, 'NOT_FOUND', 404],
    [GrpcStatus.ALREADY_EXISTS, 'CONFLICT', 409],
    [GrpcStatus.ABORTED, 'CONFLICT', 409],
    [GrpcStatus.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUESTS', 429],
    [GrpcStatus.CANCELLED, 'CLIENT_CLOSED_REQUEST', 499],
    [GrpcStatus.UNIMPLEMENTED, 'NOT_IMPLEMENTED', 501],
    [GrpcStatus.UNAVAILABLE, 'SERVICE_UNAVAILABLE', 503],
    [GrpcStatus.DEADLINE_EXCEEDED, 'GATEWAY_TIMEOUT', 504],
  ];

  for (const [grpc, trpc, http] of rows) {
    it(`${GrpcStatus[grpc]} -> ${trpc} ${http}`, () => {
      expect(fromGrpcStatus(grpc)).to.deep.equal({ grpc, trpc, http });
    });
  }

  for (const grpc of [GrpcStatus.OK, GrpcStatus.UNKNOWN, GrpcStatus.INTERNAL, GrpcStatus.DATA_LOSS, 99]) {
    it(`unmapped ${GrpcStatus[grpc] ?? grpc} -> INTERNAL_SERVER_ERROR 500`, () => {
      const row = fromGrpcStatus(grpc);
      expect(row.trpc).to.equal('INTERNAL_SERVER_ERROR');
      expect(row.http).to.equal(500);
    });
  }

  it('maps tRPC codes back to the first row (BAD_REQUEST -> INVALID_ARGUMENT, CONFLICT -> ALREADY_EXISTS)', () => {
    expect(fromTrpcCode('BAD_REQUEST').grpc).to.equal(GrpcStatus.INVALID_ARGUMENT);
    expect(fromTrpcCode('CONFLICT').grpc).to.equal(GrpcStatus.ALREADY_EXISTS);
    expect(fromTrpcCode('UNAUTHORIZED').http).to.equal(401);
    expect(fromTrpcCode('PARSE_ERROR').http).to.equal(500);
  });
});
