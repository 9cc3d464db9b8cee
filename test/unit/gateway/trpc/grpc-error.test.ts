import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { TRPCError } from '@trpc/server';
import { expect } from 'chai';
import { z } from 'zod';
import { email, password } from '../../../../shared/validation/schemas';
import { publicMessage } from '../../../../gateway/trpc/error-message';
import { isServiceError, toTRPCError } from '../../../../gateway/trpc/grpc-error';

/** A ServiceError as a grpc-js client call fails with it. */
function serviceError(code: GrpcStatus, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

describe('gateway: gRPC errors -> TRPCError', () => {
  it('keeps the service message for statuses services raise on purpose', () => {
    const cases: Array<[GrpcStatus, string, string]> = [
      [GrpcStatus.INVALID_ARGUMENT, 'email: must be an email address', 'BAD_REQUEST'],
      [GrpcStatus.UNAUTHENTICATED, 'invalid token', 'UNAUTHORIZED'],
      [GrpcStatus.PERMISSION_DENIED, 'only an admin may change a role', 'FORBIDDEN'],
      [GrpcStatus.NOT_FOUND, 'user not found', 'NOT_FOUND'],
      [GrpcStatus.ALREADY_EXISTS, 'email already registered', 'CONFLICT'],
      [GrpcStatus.RESOURCE_EXHAUSTED, 'too many attempts', 'TOO_MANY_REQUESTS'],
    ];
    for (const [code, details, trpc] of cases) {
      const err = toTRPCError(serviceError(code, details));
      expect(err).to.be.instanceOf(TRPCError);
      expect(err.code, GrpcStatus[code]).to.equal(trpc);
      expect(err.message).to.equal(details);
    }
  });

  it('replaces transport details (addresses, errno names) with a fixed message', () => {
    const unavailable = toTRPCError(
      serviceError(GrpcStatus.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:50051'),
    );
    expect(unavailable.code).to.equal('SERVICE_UNAVAILABLE');
    expect(unavailable.message).to.equal('service unavailable');
    const deadline = toTRPCError(serviceError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded after 5.001s'));
    expect(deadline.code).to.equal('GATEWAY_TIMEOUT');
    expect(deadline.message).to.equal('deadline exceeded');
  });

  it('turns INTERNAL, UNKNOWN and unmapped statuses into INTERNAL_SERVER_ERROR "internal error"', () => {
    for (const code of [GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN, GrpcStatus.DATA_LOSS]) {
      const err = toTRPCError(serviceError(code, 'SqliteError: no such table: users'));
      expect(err.code).to.equal('INTERNAL_SERVER_ERROR');
      expect(err.message).to.equal('internal error');
    }
  });

  it('turns anything that is not a gRPC error into INTERNAL_SERVER_ERROR and keeps it as the cause', () => {
    const original = new TypeError("Cannot read properties of undefined (reading 'id')");
    const err = toTRPCError(original);
    expect(err.code).to.equal('INTERNAL_SERVER_ERROR');
    expect(err.message).to.equal('internal error');
    expect(err.cause).to.equal(original);
    expect(isServiceError(original)).to.equal(false);
    expect(isServiceError(serviceError(GrpcStatus.NOT_FOUND, 'x'))).to.equal(true);
  });

  it('passes a TRPCError through unchanged', () => {
    const err = new TRPCError({ code: 'UNAUTHORIZED', message: 'missing bearer token' });
    expect(toTRPCError(err)).to.equal(err);
  });
});

describe('gateway: public error messages', () => {
  const input = z.object({ email, password });
  const zodFailure = (value: unknown) => {
    const result = input.safeParse(value);
    if (result.success) throw new Error('expected a failure');
    return new TRPCError({ code: 'BAD_REQUEST', cause: result.error });
  };

  it('names the field of an input error', () => {
    expect(publicMessage(zodFailure({ email: 'nope', password: 'long enough' }))).to.equal('email: must be an email address');
    expect(publicMessage(zodFailure({ email: 'a@b.co', password: 'short' }))).to.equal('password: must be at least 8 characters');
  });

  it('says "is required" for a missing field', () => {
    expect(publicMessage(zodFailure({ password: 'long enough' }))).to.equal('email: is required');
  });

  it('hides the message of an internal error', () => {
    const err = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'ENOENT: /srv/secret/db.sqlite' });
    expect(publicMessage(err)).to.equal('internal error');
  });
});
