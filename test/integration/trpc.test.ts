import crypto from 'node:crypto';
import { expect } from 'chai';
import { TRPCClientError } from '@trpc/client';
import { forEachDatabase } from '../support/databases';
import { ADMIN_EMAIL, useStack } from '../support/stack';
import { GOOD_PASSWORD, tamperPayload, uniqueEmail } from '../support/accounts';
import { createTestTrpcClient, type TestTrpcClient } from '../support/trpc-client';
import type { AppRouter } from '../../gateway/trpc/app-router';

/** Runs `call`, asserting it fails with a TRPCClientError of `code` whose data carries no stack. */
async function expectTrpcError(call: Promise<unknown>, code: string, field?: string): Promise<TRPCClientError<AppRouter>> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'the call should have failed').to.be.instanceOf(TRPCClientError);
  const err = caught as TRPCClientError<AppRouter>;
  expect(err.data?.code, err.message).to.equal(code);
  expect(err.data).not.to.have.property('stack');
  expect(JSON.stringify(err.shape ?? {})).not.to.match(/\bat .+\.js:\d+/);
  if (field !== undefined) expect(err.message).to.include(field);
  return err;
}

forEachDatabase((database) =>
  describe(`tRPC /trpc through the typed @trpc/client (real processes) [${database}]`, function () {
    this.timeout(60_000);
    const stack = useStack({ database });
    let token: string | undefined;
    let client: TestTrpcClient;
    let anonymous: TestTrpcClient;

    before(() => {
      client = createTestTrpcClient(stack().gatewayUrl, { getToken: () => token });
      anonymous = createTestTrpcClient(stack().gatewayUrl);
    });

    it('runs every procedure: register, login, me, refresh, list, get, update, logout, delete', async () => {
      const email = uniqueEmail('trpc');
      const registered = await anonymous.auth.register.mutate({ email, password: GOOD_PASSWORD, name: 'Tess' });
      expect(registered.user).to.include({ email, name: 'Tess', role: 'user' });
      expect(registered.tokenType).to.equal('Bearer');
      const id = registered.user.id;

      const login = await anonymous.auth.login.mutate({ email, password: GOOD_PASSWORD });
      expect(login.expiresIn).to.be.greaterThan(0);
      token = login.accessToken;

      const me = await client.auth.me.query();
      expect(me.user.id).to.equal(id);

      const refreshed = await anonymous.auth.refresh.mutate({ refreshToken: login.refreshToken });
      expect(refreshed.refreshToken).not.to.equal(login.refreshToken);
      token = refreshed.accessToken;

      const page = await client.users.list.query({ limit: 10, offset: 0 });
      expect(page.limit).to.equal(10);
      expect(page.offset).to.equal(0);
      expect(page.users.map((u) => u.id)).to.include(id);
      const defaults = await client.users.list.query();
      expect(defaults.limit).to.equal(20);
      expect(defaults.offset).to.equal(0);

      const got = await client.users.get.query({ id });
      expect(got.user.email).to.equal(email);

      const updated = await client.users.update.mutate({ id, name: 'Tess Two' });
      expect(updated.user.name).to.equal('Tess Two');

      // Logging out kills this access token; sign in again for the delete.
      await client.auth.logout.mutate({ refreshToken: refreshed.refreshToken });
      await expectTrpcError(client.auth.me.query(), 'UNAUTHORIZED');
      token = (await anonymous.auth.login.mutate({ email, password: GOOD_PASSWORD })).accessToken;

      await client.users.delete.mutate({ id });
      await expectTrpcError(anonymous.auth.login.mutate({ email, password: GOOD_PASSWORD }), 'UNAUTHORIZED');
    });

    it('answers validation errors as BAD_REQUEST (HTTP 400) naming the field', async () => {
      const err = await expectTrpcError(anonymous.auth.register.mutate({ email: 'nope', password: GOOD_PASSWORD, name: 'X' }), 'BAD_REQUEST', 'email');
      expect(err.data?.httpStatus).to.equal(400);
      await expectTrpcError(anonymous.auth.register.mutate({ email: uniqueEmail('short'), password: '1234567', name: 'X' }), 'BAD_REQUEST', 'password');
      await expectTrpcError(anonymous.auth.register.mutate({ email: uniqueEmail('long'), password: 'p'.repeat(129), name: 'X' }), 'BAD_REQUEST', 'password');
      await expectTrpcError(
        anonymous.auth.register.mutate({ email: uniqueEmail('noname'), password: GOOD_PASSWORD } as never),
        'BAD_REQUEST',
        'name',
      );
      const account = await anonymous.auth.register.mutate({ email: uniqueEmail('v'), password: GOOD_PASSWORD, name: 'V' });
      token = account.accessToken;
      await expectTrpcError(client.users.list.query({ limit: 0 }), 'BAD_REQUEST', 'limit');
      await expectTrpcError(client.users.list.query({ limit: 101 }), 'BAD_REQUEST', 'limit');
      await expectTrpcError(client.users.list.query({ limit: 'abc' } as never), 'BAD_REQUEST', 'limit');
      await expectTrpcError(client.users.get.query({ id: 'not-a-uuid' }), 'BAD_REQUEST', 'id');
    });

    it('answers UNAUTHORIZED (HTTP 401) for missing, garbage and tampered tokens and bad logins', async () => {
      const email = uniqueEmail('u');
      const account = await anonymous.auth.register.mutate({ email, password: GOOD_PASSWORD, name: 'U' });
      const err = await expectTrpcError(anonymous.auth.me.query(), 'UNAUTHORIZED');
      expect(err.data?.httpStatus).to.equal(401);
      token = 'garbage';
      await expectTrpcError(client.users.get.query({ id: account.user.id }), 'UNAUTHORIZED');
      token = tamperPayload(account.accessToken);
      await expectTrpcError(client.auth.me.query(), 'UNAUTHORIZED');
      await expectTrpcError(anonymous.auth.login.mutate({ email, password: 'not the password' }), 'UNAUTHORIZED');
      await expectTrpcError(anonymous.auth.refresh.mutate({ refreshToken: 'bm9wZQ' }), 'UNAUTHORIZED');
    });

    it('answers NOT_FOUND, FORBIDDEN and CONFLICT with their codes', async () => {
      const a = await anonymous.auth.register.mutate({ email: uniqueEmail('a'), password: GOOD_PASSWORD, name: 'A' });
      const b = await anonymous.auth.register.mutate({ email: uniqueEmail('b'), password: GOOD_PASSWORD, name: 'B' });
      token = a.accessToken;
      const notFound = await expectTrpcError(client.users.get.query({ id: crypto.randomUUID() }), 'NOT_FOUND');
      expect(notFound.data?.httpStatus).to.equal(404);
      await expectTrpcError(client.users.update.mutate({ id: b.user.id, name: 'nope' }), 'FORBIDDEN');
      await expectTrpcError(client.users.delete.mutate({ id: b.user.id }), 'FORBIDDEN');
      await expectTrpcError(client.users.update.mutate({ id: a.user.id, email: b.user.email }), 'CONFLICT');
      await expectTrpcError(anonymous.auth.register.mutate({ email: a.user.email, password: GOOD_PASSWORD, name: 'A2' }), 'CONFLICT');
    });

    it('lets an admin update and delete other users', async () => {
      const admin = await anonymous.auth.register.mutate({ email: ADMIN_EMAIL, password: GOOD_PASSWORD, name: 'Root' });
      expect(admin.user.role).to.equal('admin');
      const victim = await anonymous.auth.register.mutate({ email: uniqueEmail('victim'), password: GOOD_PASSWORD, name: 'Vic' });
      token = admin.accessToken;
      const updated = await client.users.update.mutate({ id: victim.user.id, name: 'Victor', role: 'admin' });
      expect(updated.user).to.include({ name: 'Victor', role: 'admin' });
      await client.users.delete.mutate({ id: victim.user.id });
      await expectTrpcError(client.users.get.query({ id: victim.user.id }), 'NOT_FOUND');
    });

    it("users.get and users.list: email and role to the user themself and to admins, others' public fields only", async () => {
      const tess = await anonymous.auth.register.mutate({ email: uniqueEmail('see-tess'), password: GOOD_PASSWORD, name: 'Tess' });
      const otto = await anonymous.auth.register.mutate({ email: uniqueEmail('see-otto'), password: GOOD_PASSWORD, name: 'Otto' });
      // The admin may exist already (another test registers it).
      const admin = await anonymous.auth.register
        .mutate({ email: ADMIN_EMAIL, password: GOOD_PASSWORD, name: 'Root' })
        .catch(() => anonymous.auth.login.mutate({ email: ADMIN_EMAIL, password: GOOD_PASSWORD }));
      const whole = (u: typeof tess.user) => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt, updatedAt: u.updatedAt });
      const publicOnly = (u: typeof tess.user) => ({ id: u.id, name: u.name, createdAt: u.createdAt, updatedAt: u.updatedAt });
      const listed = async (id: string) => {
        for (let offset = 0; ; offset += 100) {
          const page = await client.users.list.query({ limit: 100, offset });
          const found = page.users.find((u) => u.id === id);
          if (found || page.users.length < 100) return found;
        }
      };

      token = tess.accessToken;
      expect((await client.users.get.query({ id: tess.user.id })).user).to.deep.equal(whole(tess.user));
      expect((await client.users.get.query({ id: otto.user.id })).user).to.deep.equal(publicOnly(otto.user));
      expect(await listed(tess.user.id)).to.deep.equal(whole(tess.user));
      expect(await listed(otto.user.id)).to.deep.equal(publicOnly(otto.user));

      token = admin.accessToken;
      expect((await client.users.get.query({ id: otto.user.id })).user).to.deep.equal(whole(otto.user));
      expect(await listed(tess.user.id)).to.deep.equal(whole(tess.user));
    });

    it('batches calls made together into one HTTP request and keeps their results apart', async () => {
      const account = await anonymous.auth.register.mutate({ email: uniqueEmail('batch'), password: GOOD_PASSWORD, name: 'Bat' });
      token = account.accessToken;
      let requests = 0;
      const counting = createTestTrpcClient(stack().gatewayUrl, { getToken: () => token, onResponse: () => requests++ });
      const [me, got, missing] = await Promise.allSettled([
        counting.auth.me.query(),
        counting.users.get.query({ id: account.user.id }),
        counting.users.get.query({ id: crypto.randomUUID() }),
      ]);
      expect(requests).to.equal(1);
      expect(me.status === 'fulfilled' && me.value.user.id).to.equal(account.user.id);
      expect(got.status === 'fulfilled' && got.value.user.name).to.equal('Bat');
      expect(missing.status).to.equal('rejected');
      await expectTrpcError(Promise.reject((missing as PromiseRejectedResult).reason), 'NOT_FOUND');
    });
  }),
);
