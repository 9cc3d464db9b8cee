import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { AppError } from '../../../../shared/errors/app-error';
import { toGrpcError } from '../../../../shared/grpc/handler';
import { operationKey } from '../../../../shared/telemetry/spans';

describe('gRPC handler error mapping', () => {
  it('passes AppErrors through with their code and message', () => {
    expect(toGrpcError(new AppError('NOT_FOUND', 'user not found'))).to.deep.equal({ code: status.NOT_FOUND, details: 'user not found' });
  });

  it('passes a downstream service status through', () => {
    expect(toGrpcError({ code: status.UNAVAILABLE, details: 'No connection established' })).to.deep.equal({
      code: status.UNAVAILABLE,
      details: 'No connection established',
    });
  });

  it('hides anything else behind INTERNAL "internal error" (no driver message, no stack)', () => {
    const err = new Error('SQLITE_CORRUPT: database disk image is malformed at /secret/path');
    expect(toGrpcError(err)).to.deep.equal({ code: status.INTERNAL, details: 'internal error' });
    expect(toGrpcError('boom')).to.deep.equal({ code: status.INTERNAL, details: 'internal error' });
    expect(toGrpcError({ code: 'EACCES' })).to.deep.equal({ code: status.INTERNAL, details: 'internal error' });
  });

  it('derives the operation attribute from the method name', () => {
    expect(operationKey('CreateUser')).to.equal('create_user');
    expect(operationKey('ValidateToken')).to.equal('validate_token');
    expect(operationKey('Login')).to.equal('login');
  });
});
