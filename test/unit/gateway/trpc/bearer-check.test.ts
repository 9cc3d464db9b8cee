import { status as GrpcStatus } from '@grpc/grpc-js';
import { expect } from 'chai';
import { gatewayConfigSchema } from '../../../../gateway/config';
import { createGatewayClients, type GatewayClients } from '../../../../gateway/grpc-clients';
import { verifiesToken } from '../../../../gateway/trpc/bearer-check';
import { callService } from '../../../../gateway/trpc/call-service';
import { readAuth, type Context } from '../../../../gateway/trpc/context';
import { createCallerFactory, protectedProcedure, router } from '../../../../gateway/trpc/init';
import { loadConfig } from '../../../../shared/config/load-config';
import { FakeServices, grpcFailure } from '../../../support/fake-services';
import { tlsEnvOf } from '../../../support/pki';

const ID = '3f1c1d52-7c55-4c8e-9d8c-0a4b7a1e2f10';

// When a protected procedure has the auth service verify its token (ValidateToken), against
// scripted fakes that record every call: only when its RPCs would not, and before any of them.
describe('gateway: protected procedures verify the bearer before acting', () => {
  let fakes: FakeServices;
  let clients: GatewayClients;
  let context: Context;

  before(async () => {
    fakes = await FakeServices.start();
    // The gateway's own identity from the run's PKI, as the gateway harness gives it.
    const config = loadConfig(gatewayConfigSchema, { env: { ...(await tlsEnvOf('gateway')), ...fakes.gatewayEnv } });
    clients = createGatewayClients(config);
    context = { auth: readAuth({ authorization: 'Bearer access-1' }), clients, config, clientAddress: undefined, trace: undefined };
  });
  beforeEach(() => {
    fakes.reset();
    fakes.script['auth.validateToken'] = async () => ({ userId: ID, email: 'ada@example.com', expiresAt: 0 });
  });
  after(async () => {
    clients.close();
    await fakes.stop();
  });

  const planted = router({
    // GetUser is protected: the user service verifies the token, so no ValidateToken is needed.
    own: protectedProcedure.query(async ({ ctx }) => {
      await callService(ctx, ctx.clients.user, ctx.clients.user.getUser, { id: ID }, { token: ctx.token });
      return 'ok';
    }),
    // Login and RefreshToken are public, called together: one ValidateToken before both.
    overPublic: protectedProcedure.mutation(async ({ ctx }) => {
      const { auth } = ctx.clients;
      await Promise.all([
        callService(ctx, auth, auth.login, { email: 'ada@example.com', password: 'correct horse' }),
        callService(ctx, auth, auth.refreshToken, { refreshToken: 'refresh-1' }),
      ]);
      return 'ok';
    }),
    noCall: protectedProcedure.query(() => 'ok'),
  });
  const caller = () => createCallerFactory(planted)(context);

  it('tells protected RPCs from public ones by their contracts', () => {
    expect(verifiesToken('/user.v1.UserService/GetUser')).to.equal(true);
    expect(verifiesToken('/auth.v1.AuthService/ValidateToken')).to.equal(true);
    expect(verifiesToken('/auth.v1.AuthService/Login')).to.equal(false);
    expect(verifiesToken(undefined)).to.equal(false);
  });

  it('a procedure over a protected RPC makes no extra call', async () => {
    expect(await caller().own()).to.equal('ok');
    expect(fakes.calls.map((c) => c.method)).to.deep.equal(['user.getUser']);
  });

  it('a procedure over public RPCs validates the token once, first', async () => {
    expect(await caller().overPublic()).to.equal('ok');
    const methods = fakes.calls.map((c) => c.method);
    expect(methods[0]).to.equal('auth.validateToken');
    expect(methods.slice(1)).to.have.members(['auth.login', 'auth.refreshToken']);
    expect(fakes.callsTo('auth.validateToken')[0]!.authorization).to.equal('Bearer access-1');
  });

  it('a refused token stops the procedure before any public RPC', async () => {
    fakes.script['auth.validateToken'] = () => Promise.reject(grpcFailure(GrpcStatus.UNAUTHENTICATED, 'invalid token'));
    await caller()
      .overPublic()
      .then(
        () => expect.fail('answered'),
        (err: { code?: string }) => expect(err.code).to.equal('UNAUTHORIZED'),
      );
    expect(fakes.calls.map((c) => c.method)).to.deep.equal(['auth.validateToken']);
  });

  it('a procedure that calls no service has the token validated before it answers', async () => {
    expect(await caller().noCall()).to.equal('ok');
    expect(fakes.calls.map((c) => c.method)).to.deep.equal(['auth.validateToken']);
  });
});
