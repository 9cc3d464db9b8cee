import crypto from 'node:crypto';
import fs from 'node:fs';
import { credentials, status, type ChannelCredentials, type ClientOptions, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { AuthServiceClient } from '../../gen/auth/v1/auth';
import { UserServiceClient } from '../../gen/user/v1/user';
import { contractRegistry } from '../../shared/contracts';
import { serverNameOf } from '../../shared/grpc/client';
import { bearerMetadata } from '../../shared/grpc/metadata';
import { methodAuth } from '../../shared/grpc/method-auth';
import { identityOf, PROCESS_SPECS } from '../../scripts/stack/process-spec';
import { GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { get, post } from '../support/http';
import { dialAs, strangerPki, testPki } from '../support/pki';
import { forEachDatabase } from '../support/databases';
import { ADMIN_EMAIL, useStack } from '../support/stack';

// The auth service's internal RPCs, called directly on its port as an attacker inside the
// cluster would: every RPC names the services that may call it (common.v1.auth `callers`), and
// the caller proves which service it is with its mutual-TLS certificate. Only the rightful caller
// is answered.

type Outcome = { code: string; details: string };

/** The outcome of a unary call: OK, or the status name and details it failed with. */
function outcome(call: Promise<unknown>): Promise<Outcome> {
  return call.then(
    () => ({ code: 'OK', details: '' }),
    (err: ServiceError) => ({ code: status[err.code] ?? String(err.code), details: err.details }),
  );
}

const deadline = () => Date.now() + 5000;

// The takeover writes and reads credentials: on both databases.
forEachDatabase((database) =>
  describe(`service identity: each RPC answers only the services its contract names (real processes, mutual TLS) [${database}]`, function () {
    this.timeout(60_000);
    const stack = useStack({ database });
    const auths = new Map<string, AuthServiceClient>();
    let admin: Account;
    let user: Account;
    let ca: Buffer;

    /** An AuthService client over `creds`, closed after the block. */
    const authClient = (name: string, creds: ChannelCredentials, options?: Partial<ClientOptions>) => {
      const client = new AuthServiceClient(stack().authAddr, creds, options);
      auths.set(name, client);
      return client;
    };

    before(async () => {
      admin = await registerAccount(stack().gatewayUrl, { email: ADMIN_EMAIL, name: 'Admin' });
      expect(admin.role).to.equal('admin');
      user = await registerAccount(stack().gatewayUrl);
      ca = fs.readFileSync((await testPki()).filesOf('gateway').ca);
      const stranger = (await strangerPki(['user-service'])).filesOf('user-service');
      authClient('plaintext', credentials.createInsecure());
      authClient('TLS without a client certificate', credentials.createSsl(ca), serverNameOf('auth-service'));
      // A certificate naming the user service, from a CA that is not this system's.
      authClient("another CA's user-service", credentials.createSsl(ca, fs.readFileSync(stranger.key), fs.readFileSync(stranger.cert)), serverNameOf('auth-service'));
      authClient('gateway', ...(await dialAs('gateway', 'auth-service')));
      authClient('user-service', ...(await dialAs('user-service', 'auth-service')));
    });
    after(() => {
      for (const client of auths.values()) client.close();
    });

    const internal = {
      Register: (c: AuthServiceClient, token?: string) =>
        new Promise((resolve, reject) =>
          c.register({ userId: crypto.randomUUID(), email: uniqueEmail('direct'), password: GOOD_PASSWORD }, bearerMetadata(token), { deadline: deadline() }, (e, r) =>
            e ? reject(e) : resolve(r),
          ),
        ),
      UpdateCredentials: (c: AuthServiceClient, token?: string) =>
        new Promise((resolve, reject) =>
          c.updateCredentials({ userId: crypto.randomUUID(), email: uniqueEmail('direct') }, bearerMetadata(token), { deadline: deadline() }, (e, r) =>
            e ? reject(e) : resolve(r),
          ),
        ),
      DeleteCredentials: (c: AuthServiceClient, token?: string) =>
        new Promise((resolve, reject) =>
          c.deleteCredentials({ userId: crypto.randomUUID() }, bearerMetadata(token), { deadline: deadline() }, (e, r) => (e ? reject(e) : resolve(r))),
        ),
    };

    for (const [rpc, call] of Object.entries(internal)) {
      it(`${rpc}: refused without a certificate of this system, with an end user's token, and from the gateway; answered from the user service`, async () => {
        expect(methodAuth(`/auth.v1.AuthService/${rpc}`).callers).to.deep.equal(['user-service']);
        // No identity at all: the port speaks only mutual TLS, so no call reaches a handler.
        for (const how of ['plaintext', 'TLS without a client certificate', "another CA's user-service"]) {
          for (const token of [undefined, user.accessToken, admin.accessToken]) {
            const got = await outcome(call(auths.get(how)!, token));
            expect(got.code, `${how}${token ? ' with a token' : ''}: ${got.details}`).to.equal('UNAVAILABLE');
          }
        }
        // Another service of this system: refused by name, whatever token it carries.
        for (const token of [undefined, user.accessToken, admin.accessToken]) {
          expect(await outcome(call(auths.get('gateway')!, token))).to.deep.equal({
            code: 'PERMISSION_DENIED',
            details: `/auth.v1.AuthService/${rpc} may be called by user-service only, not by gateway`,
          });
        }
        // The rightful caller reaches the handler (an unknown user id: NOT_FOUND, or OK for Register).
        const rightful = await outcome(call(auths.get('user-service')!));
        expect(rightful.code, rightful.details).to.be.oneOf(['OK', 'NOT_FOUND']);
      });
    }

    it("regression: nobody but the user service can free an admin's id and register it anew (account takeover)", async () => {
      const attacker = uniqueEmail('attacker');
      const takeover = async (c: AuthServiceClient) => ({
        deleted: await outcome(new Promise((res, rej) => c.deleteCredentials({ userId: admin.id }, bearerMetadata(undefined), { deadline: deadline() }, (e, r) => (e ? rej(e) : res(r))))),
        registered: await outcome(
          new Promise((res, rej) =>
            c.register({ userId: admin.id, email: attacker, password: GOOD_PASSWORD }, bearerMetadata(undefined), { deadline: deadline() }, (e, r) => (e ? rej(e) : res(r))),
          ),
        ),
      });
      for (const how of ['plaintext', 'TLS without a client certificate', "another CA's user-service", 'gateway']) {
        const tried = await takeover(auths.get(how)!);
        expect(tried.deleted.code, `${how}: DeleteCredentials(admin)`).to.not.equal('OK');
        expect(tried.registered.code, `${how}: Register(admin's id)`).to.not.equal('OK');
      }
      // The attacker cannot log in, and the admin still can, with the same token as before.
      expect((await post(`${stack().gatewayUrl}/api/v1/auth/login`, { email: attacker, password: GOOD_PASSWORD })).status).to.equal(401);
      expect((await post(`${stack().gatewayUrl}/api/v1/auth/login`, { email: admin.email, password: admin.password })).status).to.equal(200);
      const users = await get(`${stack().gatewayUrl}/api/v1/users`, { headers: { authorization: `Bearer ${admin.accessToken}` } });
      expect(users.status).to.equal(200);
    });

    it('every RPC that names its callers refuses every other service of this system, public or not', async () => {
      const services = PROCESS_SPECS.map((s) => identityOf(s.name));
      const users = new Map<string, UserServiceClient>();
      const clientsFor = async (identity: string) => {
        if (!users.has(identity)) users.set(identity, new UserServiceClient(stack().userAddr, ...(await dialAs(identity, 'user-service'))));
        if (!auths.has(identity)) authClient(identity, ...(await dialAs(identity, 'auth-service')));
        return { 'user.v1.UserService': users.get(identity)!, 'auth.v1.AuthService': auths.get(identity)! };
      };
      let checked = 0;
      try {
        for (const file of contractRegistry().files) {
          for (const service of file.services) {
            for (const method of service.methods) {
              const path = `/${service.typeName}/${method.name}`;
              const { callers } = methodAuth(path);
              if (service.typeName !== 'user.v1.UserService' && service.typeName !== 'auth.v1.AuthService') continue;
              for (const identity of services.filter((s) => callers.length > 0 && !callers.includes(s))) {
                const client = (await clientsFor(identity))[service.typeName];
                const got = await outcome(
                  new Promise((resolve, reject) =>
                    client.makeUnaryRequest(path, (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), bearerMetadata(user.accessToken), { deadline: deadline() }, (e, r) =>
                      e ? reject(e) : resolve(r),
                    ),
                  ),
                );
                expect(got, `${path} as ${identity}`).to.deep.equal({ code: 'PERMISSION_DENIED', details: `${path} may be called by ${callers.join(', ')} only, not by ${identity}` });
                checked++;
              }
            }
          }
        }
      } finally {
        for (const client of users.values()) client.close();
      }
      expect(checked, 'RPCs checked').to.be.at.least(12);
    });
  }),
);
