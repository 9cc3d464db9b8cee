import { expect } from 'chai';
import { forEachDatabase } from '../support/databases';
import { ADMIN_EMAIL, useStack } from '../support/stack';
import { get, post, request } from '../support/http';
import { GOOD_PASSWORD, registerAccount, tamperPayload, uniqueEmail } from '../support/accounts';
import { expectError } from '../support/expect-error';

const USER_KEYS = ['createdAt', 'email', 'id', 'name', 'role', 'updatedAt'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Asserts a `{accessToken, refreshToken, tokenType, expiresIn}` pair. */
function expectTokenPair(body: any): void {
  expect(body.accessToken).to.be.a('string').and.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(body.refreshToken).to.be.a('string').with.length.greaterThan(20);
  expect(body.tokenType).to.equal('Bearer');
  expect(body.expiresIn).to.be.a('number').greaterThan(0);
}

forEachDatabase((database) =>
  describe(`REST /api/v1/auth (real processes) [${database}]`, function () {
    this.timeout(60_000);
    const stack = useStack({ database });
    const url = (p: string) => `${stack().gatewayUrl}${p}`;

    describe('POST /api/v1/auth/register', () => {
      it('answers 201 with the user (camelCase, no secrets) and a token pair', async () => {
        const email = uniqueEmail('reg');
        const res = await post(url('/api/v1/auth/register'), { email, password: GOOD_PASSWORD, name: '  Ada Lovelace ' });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.headers.get('content-type')).to.match(/application\/json/);
        expect(Object.keys(res.body.user).sort()).to.deep.equal(USER_KEYS);
        expect(res.body.user.id).to.match(UUID);
        expect(res.body.user.email).to.equal(email);
        expect(res.body.user.name).to.equal('Ada Lovelace');
        expect(res.body.user.role).to.equal('user');
        expect(Number.isNaN(Date.parse(res.body.user.createdAt))).to.equal(false);
        expect(Number.isNaN(Date.parse(res.body.user.updatedAt))).to.equal(false);
        expectTokenPair(res.body);
        expect(JSON.stringify(res.body)).not.to.include(GOOD_PASSWORD);
        // The issued access token works straight away.
        const me = await get(url('/api/v1/auth/me'), { token: res.body.accessToken });
        expect(me.status).to.equal(200);
        expect(me.body.user.id).to.equal(res.body.user.id);
      });

      it('gives role admin to an email listed in ADMIN_EMAILS (case-insensitively)', async () => {
        const admin = await registerAccount(stack().gatewayUrl, { email: ADMIN_EMAIL.toUpperCase() });
        expect(admin.email).to.equal(ADMIN_EMAIL);
        expect(admin.role).to.equal('admin');
      });

      it('accepts a 128-character password (the upper bound)', async () => {
        const account = await registerAccount(stack().gatewayUrl, { password: 'p'.repeat(128) });
        const login = await post(url('/api/v1/auth/login'), { email: account.email, password: 'p'.repeat(128) });
        expect(login.status).to.equal(200);
      });

      const invalidCases: Array<{ title: string; body: Record<string, unknown>; field: string }> = [
        { title: 'a malformed email', body: { email: 'not-an-email', password: GOOD_PASSWORD, name: 'X' }, field: 'email' },
        { title: 'a 7-character password', body: { email: 'seven@example.test', password: '1234567', name: 'X' }, field: 'password' },
        { title: 'a 129-character password', body: { email: 'long@example.test', password: 'p'.repeat(129), name: 'X' }, field: 'password' },
        { title: 'a missing name', body: { email: 'noname@example.test', password: GOOD_PASSWORD }, field: 'name' },
        { title: 'a blank name', body: { email: 'blank@example.test', password: GOOD_PASSWORD, name: '   ' }, field: 'name' },
        { title: 'a missing email', body: { password: GOOD_PASSWORD, name: 'X' }, field: 'email' },
      ];
      for (const c of invalidCases) {
        it(`rejects ${c.title} with 400 naming "${c.field}"`, async () => {
          const res = await post(url('/api/v1/auth/register'), c.body);
          expectError(res, 400, 'BAD_REQUEST', c.field);
        });
      }

      it('rejects malformed JSON with 400', async () => {
        const res = await request('POST', url('/api/v1/auth/register'), { rawJson: '{"email": "a@example.test", "password": ' });
        expectError(res, 400, 'BAD_REQUEST');
      });

      it('rejects a duplicate email with 409, whatever its case', async () => {
        const account = await registerAccount(stack().gatewayUrl);
        const again = await post(url('/api/v1/auth/register'), { email: account.email.toUpperCase(), password: GOOD_PASSWORD, name: 'Twin' });
        expectError(again, 409, 'CONFLICT');
      });

      it('lets exactly one of 20 concurrent registrations of one email win; the rest get 409', async () => {
        const email = uniqueEmail('race');
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => post(url('/api/v1/auth/register'), { email, password: GOOD_PASSWORD, name: `Racer ${i}` })),
        );
        const statuses = results.map((r) => r.status).sort();
        expect(statuses.filter((s) => s === 201), JSON.stringify(statuses)).to.have.length(1);
        expect(statuses.filter((s) => s === 409), JSON.stringify(statuses)).to.have.length(19);
        // The winner's credentials are the ones stored.
        const login = await post(url('/api/v1/auth/login'), { email, password: GOOD_PASSWORD });
        expect(login.status).to.equal(200);
        const winner = results.find((r) => r.status === 201)!;
        const me = await get(url('/api/v1/auth/me'), { token: login.body.accessToken });
        expect(me.body.user.id).to.equal(winner.body.user.id);
      });
    });

    describe('POST /api/v1/auth/login', () => {
      it('answers 200 with a working token pair, email matched case-insensitively', async () => {
        const account = await registerAccount(stack().gatewayUrl);
        const res = await post(url('/api/v1/auth/login'), { email: account.email.toUpperCase(), password: account.password });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expectTokenPair(res.body);
        expect(res.body.accessToken).not.to.equal(account.accessToken);
        const me = await get(url('/api/v1/auth/me'), { token: res.body.accessToken });
        expect(me.status).to.equal(200);
        expect(me.body.user.id).to.equal(account.id);
      });

      it('answers the same 401 for a wrong password and an unknown email', async () => {
        const account = await registerAccount(stack().gatewayUrl);
        const wrong = await post(url('/api/v1/auth/login'), { email: account.email, password: 'wrong password!' });
        const unknown = await post(url('/api/v1/auth/login'), { email: uniqueEmail('nobody'), password: 'wrong password!' });
        expectError(wrong, 401, 'UNAUTHORIZED');
        expectError(unknown, 401, 'UNAUTHORIZED');
        expect(wrong.body).to.deep.equal(unknown.body);
      });

      it('rejects a missing password with 400 naming "password"', async () => {
        const res = await post(url('/api/v1/auth/login'), { email: 'someone@example.test' });
        expectError(res, 400, 'BAD_REQUEST', 'password');
      });
    });

    describe('POST /api/v1/auth/refresh', () => {
      it('rotates: 200 with a new pair, and the new access token works', async () => {
        const account = await registerAccount(stack().gatewayUrl);
        const res = await post(url('/api/v1/auth/refresh'), { refreshToken: account.refreshToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expectTokenPair(res.body);
        expect(res.body.refreshToken).not.to.equal(account.refreshToken);
        const me = await get(url('/api/v1/auth/me'), { token: res.body.accessToken });
        expect(me.status).to.equal(200);
        expect(me.body.user.id).to.equal(account.id);
      });

      it('treats reuse of a rotated refresh token as theft: 401, and the newer token of that family dies too', async () => {
        const account = await registerAccount(stack().gatewayUrl);
        const first = await post(url('/api/v1/auth/refresh'), { refreshToken: account.refreshToken });
        expect(first.status).to.equal(200);
        const reuse = await post(url('/api/v1/auth/refresh'), { refreshToken: account.refreshToken });
        expectError(reuse, 401, 'UNAUTHORIZED');
        const successor = await post(url('/api/v1/auth/refresh'), { refreshToken: first.body.refreshToken });
        expectError(successor, 401, 'UNAUTHORIZED');
      });

      it('rejects an unknown refresh token with 401 and a missing one with 400 naming "refreshToken"', async () => {
        expectError(await post(url('/api/v1/auth/refresh'), { refreshToken: 'bm90LWEtcmVhbC10b2tlbg' }), 401, 'UNAUTHORIZED');
        expectError(await post(url('/api/v1/auth/refresh'), {}), 400, 'BAD_REQUEST', 'refreshToken');
      });
    });

    describe('POST /api/v1/auth/logout', () => {
      it('answers 204 and revokes the access token and the refresh token', async () => {
        const account = await registerAccount(stack().gatewayUrl);
        const res = await post(url('/api/v1/auth/logout'), { refreshToken: account.refreshToken }, { token: account.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(204);
        expect(res.body).to.equal(undefined);
        expectError(await get(url('/api/v1/auth/me'), { token: account.accessToken }), 401, 'UNAUTHORIZED');
        expectError(await get(url(`/api/v1/users/${account.id}`), { token: account.accessToken }), 401, 'UNAUTHORIZED');
        expectError(await post(url('/api/v1/auth/refresh'), { refreshToken: account.refreshToken }), 401, 'UNAUTHORIZED');
      });

      it('requires a Bearer token (401 without one)', async () => {
        const res = await post(url('/api/v1/auth/logout'), { refreshToken: 'whatever-token-value' });
        expectError(res, 401, 'UNAUTHORIZED');
      });
    });

    describe('GET /api/v1/auth/me', () => {
      it('answers 200 with the caller as {user}', async () => {
        const account = await registerAccount(stack().gatewayUrl, { name: 'Grace Hopper' });
        const res = await get(url('/api/v1/auth/me'), { token: account.accessToken });
        expect(res.status).to.equal(200);
        expect(Object.keys(res.body.user).sort()).to.deep.equal(USER_KEYS);
        expect(res.body.user).to.include({ id: account.id, email: account.email, name: 'Grace Hopper', role: 'user' });
      });

      it('answers 401 for a missing, garbage, non-Bearer or tampered token', async () => {
        const account = await registerAccount(stack().gatewayUrl);
        const me = url('/api/v1/auth/me');
        expectError(await get(me), 401, 'UNAUTHORIZED');
        expectError(await get(me, { token: 'garbage' }), 401, 'UNAUTHORIZED');
        expectError(await get(me, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }), 401, 'UNAUTHORIZED');
        expectError(await get(me, { token: tamperPayload(account.accessToken) }), 401, 'UNAUTHORIZED');
        // The untampered token still works, so the 401 above was about the change.
        expect((await get(me, { token: account.accessToken })).status).to.equal(200);
      });
    });
  }),
);
