import { TRPCError } from '@trpc/server';
import { expect } from 'chai';
import { gatewayConfigSchema } from '../../gateway/config';
import { createGatewayClients, type GatewayClients } from '../../gateway/grpc-clients';
import { appRouter, proceduresOf, type ProcedurePath } from '../../gateway/trpc/app-router';
import { callService } from '../../gateway/trpc/call-service';
import { readAuth, type Context } from '../../gateway/trpc/context';
import { createCallerFactory, isProtectedProcedure, protectedProcedure, router } from '../../gateway/trpc/init';
import { loginInput, refreshTokenInput } from '../../gateway/trpc/inputs';
import { loadConfig } from '../../shared/config/load-config';
import { registerAccount, tamperSignature } from '../support/accounts';
import { get } from '../support/http';
import { inputFor } from '../support/procedure-inputs';
import { useStack } from '../support/stack';
import { tlsEnvOf } from '../support/pki';

/** Calls procedure `path` of the gateway over HTTP as tRPC does (GET for a query, POST otherwise). */
async function callTrpc(gatewayUrl: string, path: string, type: string, input: unknown, token: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res =
    type === 'query'
      ? await fetch(`${gatewayUrl}/trpc/${path}${query}`, { headers })
      : await fetch(`${gatewayUrl}/trpc/${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
  return { status: res.status, body: await res.json() };
}

// Issue 33, finding 1: a procedure that needs a user never answers a tampered token, whatever the
// contract of the RPC it calls says (services verify tokens only for RPCs not marked public).
describe('protected procedures and tampered tokens (real processes)', function () {
  this.timeout(60_000);
  const stack = useStack({ sharedTracing: false });

  it('every protected procedure of the router answers 401 to a token with one signature character changed', async () => {
    const account = await registerAccount(stack().gatewayUrl, { name: 'Victim' });
    const tampered = tamperSignature(account.accessToken);
    const protectedPaths = Object.entries(proceduresOf(appRouter)).filter(([, proc]) => isProtectedProcedure(proc));
    expect(protectedPaths.map(([path]) => path)).to.include.members(['auth.me', 'users.delete']);
    for (const [path, proc] of protectedPaths) {
      const { input } = inputFor(path as ProcedurePath, account);
      const res = await callTrpc(stack().gatewayUrl, path, proc._def.type, input, tampered);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(401);
      expect(res.body.error.data.code, path).to.equal('UNAUTHORIZED');
    }
    // Nothing happened on the victim's behalf: the account is there, unchanged, still signed in.
    const me = await get(`${stack().gatewayUrl}/api/v1/auth/me`, { token: account.accessToken });
    expect(me.status).to.equal(200);
    expect(me.body.user.name).to.equal('Victim');
  });

  describe('a protected procedure planted over public RPCs', () => {
    let clients: GatewayClients;
    let contextFor: (token: string) => Context;
    before(async () => {
      // Dialled as the gateway, with its identity from the run's PKI.
      const env = { ...(await tlsEnvOf('gateway')), USER_SERVICE_URL: stack().userAddr, AUTH_SERVICE_URL: stack().authAddr };
      const config = loadConfig(gatewayConfigSchema, { env });
      clients = createGatewayClients(config);
      contextFor = (token) => ({ auth: readAuth({ authorization: `Bearer ${token}` }), clients, config, clientAddress: undefined, trace: undefined });
    });
    after(() => clients.close());

    // Login and RefreshToken are public: the auth service never looks at the bearer of these calls.
    const planted = router({
      login: protectedProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
        const res = await callService(ctx, ctx.clients.auth, ctx.clients.auth.login, input, { token: ctx.token });
        return res.userId;
      }),
      refresh: protectedProcedure.input(refreshTokenInput).mutation(async ({ ctx, input }) => {
        const res = await callService(ctx, ctx.clients.auth, ctx.clients.auth.refreshToken, input);
        return res.tokens?.refreshToken;
      }),
      noCall: protectedProcedure.query(() => 'for the signed-in user only'),
    });
    const callerFor = (token: string) => createCallerFactory(planted)(contextFor(token));

    async function expectUnauthorized(call: Promise<unknown>): Promise<void> {
      const err = await call.then(
        (value) => {
          throw new Error(`answered ${JSON.stringify(value)}`);
        },
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(TRPCError);
      expect((err as TRPCError).code).to.equal('UNAUTHORIZED');
    }

    it('answers 401 to a tampered token and runs none of the public RPCs', async () => {
      const account = await registerAccount(stack().gatewayUrl);
      const tampered = callerFor(tamperSignature(account.accessToken));
      await expectUnauthorized(tampered.login({ email: account.email, password: account.password }));
      await expectUnauthorized(tampered.refresh({ refreshToken: account.refreshToken }));
      await expectUnauthorized(tampered.noCall());
      // The refresh token was never rotated: it still works, once.
      const valid = callerFor(account.accessToken);
      expect(await valid.refresh({ refreshToken: account.refreshToken })).to.be.a('string');
    });

    it('answers a valid token as before', async () => {
      const account = await registerAccount(stack().gatewayUrl);
      const valid = callerFor(account.accessToken);
      expect(await valid.login({ email: account.email, password: account.password })).to.equal(account.id);
      expect(await valid.noCall()).to.equal('for the signed-in user only');
    });
  });
});
