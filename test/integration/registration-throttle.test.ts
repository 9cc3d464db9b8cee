import { status, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { UserServiceClient } from '../../gen/user/v1/user';
import { unary } from '../../shared/grpc/client';
import { bearerMetadata, retryAfterOf } from '../../shared/grpc/metadata';
import { GOOD_PASSWORD, uniqueEmail } from '../support/accounts';
import { forEachDatabase } from '../support/databases';
import { post, request, type HttpResult } from '../support/http';
import { dialAs } from '../support/pki';
import { useStack } from '../support/stack';

const PER_CLIENT = 3;
const WINDOW_SECONDS = 600;
const MESSAGE = 'too many registrations from this client; retry later';

/** Asserts a throttled registration: 429, Retry-After within the window. */
function expectThrottled(res: HttpResult, what: string): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(429);
  expect(Number(res.headers.get('retry-after')), `${what}: Retry-After`).to.be.within(1, WINDOW_SECONDS);
}

forEachDatabase((database) =>
  describe(`registration throttling (real processes, 2 user instances) [${database}]`, function () {
    this.timeout(120_000);
    const stack = useStack({
      database,
      replicas: 2,
      envFor: {
        user: { REGISTRATION_MAX_PER_CLIENT: String(PER_CLIENT), REGISTRATION_WINDOW_SECONDS: String(WINDOW_SECONDS) },
        // The test sends X-Forwarded-For to stand for different clients behind a trusted proxy.
        gateway: { TRUST_PROXY: 'loopback' },
      },
    });
    let client = 0;
    /** A fresh client address (TEST-NET-3), so each test starts with an unused counter. */
    const newClient = () => `203.0.113.${++client}`;
    const register = (from: string, email: string) =>
      post(`${stack().gatewayUrl}/api/v1/auth/register`, { email, password: GOOD_PASSWORD, name: 'Probe' }, { headers: { 'x-forwarded-for': from } });

    it('refuses a client past its limit with 429 + Retry-After on REST, counting 409s, on every instance', async () => {
      const from = newClient();
      const taken = uniqueEmail('taken');
      expect((await register(from, taken)).status).to.equal(201);
      // Probing a registered email is an attempt like any other.
      expect((await register(from, taken)).status).to.equal(409);
      expect((await register(from, uniqueEmail('third'))).status).to.equal(201);
      const refusedEmail = uniqueEmail('refused');
      const refused = await register(from, refusedEmail);
      expectThrottled(refused, 'fourth attempt');
      expect(refused.body).to.deep.equal({ error: { code: 'TOO_MANY_REQUESTS', message: MESSAGE } });
      // A registered email gets the same 429 as a new one: past the limit nothing is revealed.
      expectThrottled(await register(from, taken), 'probing past the limit');

      // Each instance refuses this client: the counter is in the shared database, not in a process.
      for (const instance of [0, 1]) {
        const grpc = new UserServiceClient(`127.0.0.1:${stack().envOf('user', instance).USER_SERVICE_PORT}`, ...(await dialAs('gateway', 'user-service')));
        try {
          await unary(grpc, grpc.createUser, { email: uniqueEmail('direct'), password: GOOD_PASSWORD, name: 'Direct' }, {
            metadata: bearerMetadata(undefined, from),
            deadline: Date.now() + 5000,
          });
          expect.fail(`user-${instance} admitted a throttled client`);
        } catch (err) {
          expect(status[(err as ServiceError).code], `user-${instance}`).to.equal('RESOURCE_EXHAUSTED');
          expect(retryAfterOf((err as ServiceError).metadata), `user-${instance}`).to.be.within(1, WINDOW_SECONDS);
        } finally {
          grpc.close();
        }
      }

      // Refused before anything was written: the email registers at once from another client.
      expect((await register(newClient(), refusedEmail)).status).to.equal(201);
    });

    it('answers TOO_MANY_REQUESTS with a retry-after header on tRPC', async () => {
      const from = newClient();
      const trpcRegister = () =>
        request('POST', `${stack().gatewayUrl}/trpc/auth.register`, {
          json: { email: uniqueEmail('trpc'), password: GOOD_PASSWORD, name: 'Probe' },
          headers: { 'x-forwarded-for': from },
        });
      for (let i = 0; i < PER_CLIENT; i++) expect((await trpcRegister()).status, `attempt ${i + 1}`).to.equal(200);
      const refused = await trpcRegister();
      expectThrottled(refused, 'tRPC past the limit');
      expect(refused.body.error.data.code).to.equal('TOO_MANY_REQUESTS');
      expect(refused.body.error.message).to.equal(MESSAGE);
    });
  }),
);
