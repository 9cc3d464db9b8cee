import { Metadata, status, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { expect } from 'chai';
import pino from 'pino';
import { UserServiceService, type UserServiceServer } from '../../../../gen/user/v1/user';
import { AppError } from '../../../../shared/errors/app-error';
import { callerOf, implement, toGrpcError, type AsyncService, type HandlerContext } from '../../../../shared/grpc/handler';
import { bearerMetadata } from '../../../../shared/grpc/metadata';
import { isPublicMethod } from '../../../../shared/grpc/method-auth';
import { operationKey } from '../../../../shared/telemetry/spans';
import { callOnConnection } from '../../../support/fake-connection';

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

describe('implement(): authenticated by default (common.v1.auth)', () => {
  const logger = pino({ level: 'silent' });
  type Caller = { id: string };

  /** Every UserService handler answers who it saw as the caller. */
  const handlers = (seen: Array<[string, Caller | undefined]>) =>
    Object.fromEntries(
      Object.keys(UserServiceService).map((key) => [
        key,
        async (_request: unknown, ctx: HandlerContext<Caller>) => {
          seen.push([key, ctx.caller]);
          return {};
        },
      ]),
    ) as unknown as AsyncService<UserServiceServer, Caller>;

  /** Calls one method of an implementation as grpc-js would; resolves with its error or undefined. */
  const invoke = (impl: UntypedServiceImplementation, key: string, metadata = new Metadata(), peer: string | null = 'gateway') =>
    new Promise<{ code: status; details: string } | null>((resolve) => {
      // The call's connection, accepted with the peer's certificate: the gateway, the user service's one caller.
      callOnConnection(metadata, peer === null ? undefined : `URI:spiffe://traced-grpc-microservices/${peer}, DNS:localhost`);
      const call = { request: {}, metadata, getDeadline: () => Infinity } as unknown as ServerUnaryCall<unknown, unknown>;
      (impl[key] as (c: typeof call, cb: (err: { code: status; details: string } | null) => void) => void)(call, (err) => resolve(err));
    });

  it('reads the public option from the contracts, per RPC; everything else is protected', () => {
    expect(isPublicMethod('/user.v1.UserService/CreateUser')).to.equal(true);
    expect(isPublicMethod('/auth.v1.AuthService/Login')).to.equal(true);
    expect(isPublicMethod('/auth.v1.AuthService/RefreshToken')).to.equal(true);
    expect(isPublicMethod('/user.v1.UserService/GetUser')).to.equal(false);
    expect(isPublicMethod('/auth.v1.AuthService/ValidateToken')).to.equal(false);
    // Unknown to the contracts: protected, never public by accident.
    expect(isPublicMethod('/user.v1.UserService/CountUsers')).to.equal(false);
    expect(isPublicMethod('/nope.v1.Nope/Get')).to.equal(false);
    expect(isPublicMethod('not a path')).to.equal(false);
  });

  it('refuses to build a service with a protected RPC and no authenticate option', () => {
    expect(() => implement<UserServiceServer, Caller>(UserServiceService, handlers([]), { service: 'user-service', logger })).to.throw(
      /\/user\.v1\.UserService\/GetUser needs an access token/,
    );
  });

  it('authenticates every protected RPC before its handler and hands the caller over; public ones run without', async () => {
    const seen: Array<[string, Caller | undefined]> = [];
    const asked: string[] = [];
    const impl = implement<UserServiceServer, Caller>(UserServiceService, handlers(seen), {
      service: 'user-service',
      logger,
      authenticate: async (ctx) => {
        asked.push(String(ctx.metadata.get('authorization')[0]));
        if (ctx.metadata.get('authorization')[0] !== 'Bearer good') throw new AppError('UNAUTHENTICATED', 'invalid or expired access token');
        return { id: 'u-1' };
      },
    });

    expect(await invoke(impl, 'getUser', bearerMetadata('good'))).to.equal(null);
    expect(seen).to.deep.equal([['getUser', { id: 'u-1' }]]);

    const refused = await invoke(impl, 'listUsers', bearerMetadata('tampered'));
    expect(refused).to.include({ code: status.UNAUTHENTICATED, details: 'invalid or expired access token' });
    expect(seen, 'the handler must not run').to.have.length(1);

    expect(await invoke(impl, 'createUser')).to.equal(null);
    expect(seen[1]).to.deep.equal(['createUser', undefined]);
    expect(asked, 'CreateUser is public: no authentication').to.deep.equal(['Bearer good', 'Bearer tampered']);
  });

  it('callerOf() fails a public RPC that asks for a caller (INTERNAL, a contract bug)', () => {
    expect(() => callerOf({ metadata: new Metadata(), deadline: undefined, trace: undefined as never })).to.throw(/marked public/);
    expect(callerOf({ metadata: new Metadata(), deadline: undefined, trace: undefined as never, caller: { id: 'x' } })).to.deep.equal({ id: 'x' });
  });

  it('lets only the services the contract names call, before any token is looked at', async () => {
    const seen: Array<[string, Caller | undefined]> = [];
    const asked: string[] = [];
    const impl = implement<UserServiceServer, Caller>(UserServiceService, handlers(seen), {
      service: 'user-service',
      logger,
      authenticate: async (ctx) => {
        asked.push(String(ctx.metadata.get('authorization')[0]));
        return { id: 'u-1' };
      },
    });
    // UserService's RPCs name the gateway alone: another service of this system is refused.
    expect(await invoke(impl, 'getUser', bearerMetadata('good'), 'auth-service')).to.deep.include({
      code: status.PERMISSION_DENIED,
      details: '/user.v1.UserService/GetUser may be called by gateway only, not by auth-service',
    });
    // Public or not: public is about the end user, never about who may reach the port.
    expect(await invoke(impl, 'createUser', new Metadata(), 'auth-service')).to.deep.include({ code: status.PERMISSION_DENIED });
    // No certificate naming a service: UNAUTHENTICATED, whatever the token.
    expect(await invoke(impl, 'getUser', bearerMetadata('good'), null)).to.deep.include({
      code: status.UNAUTHENTICATED,
      details: '/user.v1.UserService/GetUser needs a service identity: a client certificate of this system',
    });
    expect(seen, 'no handler ran').to.deep.equal([]);
    expect(asked, 'no token was checked').to.deep.equal([]);
    expect(await invoke(impl, 'getUser', bearerMetadata('good'), 'gateway')).to.equal(null);
    expect(seen).to.deep.equal([['getUser', { id: 'u-1' }]]);
  });
});
