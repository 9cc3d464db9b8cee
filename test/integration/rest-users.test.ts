import crypto from 'node:crypto';
import { expect } from 'chai';
import { forEachDatabase } from '../support/databases';
import { ADMIN_EMAIL, useStack } from '../support/stack';
import { del, get, patch, post, request } from '../support/http';
import { registerAccount, tamperPayload, uniqueEmail, type Account } from '../support/accounts';
import { expectError } from '../support/expect-error';

const USER_KEYS = ['createdAt', 'email', 'id', 'name', 'role', 'updatedAt'];
/** What anyone but the user themself and admins sees of a user. */
const PUBLIC_USER_KEYS = ['createdAt', 'id', 'name', 'updatedAt'];

forEachDatabase((database) =>
  describe(`REST /api/v1/users (real processes) [${database}]`, function () {
    this.timeout(60_000);
    const stack = useStack({ database });
    const url = (p: string) => `${stack().gatewayUrl}${p}`;
    let alice: Account;
    let bob: Account;
    let admin: Account;

    before(async function () {
      this.timeout(60_000);
      // One after another: the list order (oldest first) is asserted below.
      alice = await registerAccount(stack().gatewayUrl, { name: 'Alice' });
      bob = await registerAccount(stack().gatewayUrl, { name: 'Bob' });
      admin = await registerAccount(stack().gatewayUrl, { email: ADMIN_EMAIL, name: 'Admin' });
      expect(admin.role).to.equal('admin');
    });

    describe('GET /api/v1/users', () => {
      it('answers {users,total,limit,offset}, oldest first', async () => {
        const res = await get(url('/api/v1/users?limit=100&offset=0'), { token: alice.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(Object.keys(res.body).sort()).to.deep.equal(['limit', 'offset', 'total', 'users']);
        expect(res.body.limit).to.equal(100);
        expect(res.body.offset).to.equal(0);
        expect(res.body.total).to.be.a('number').at.least(3);
        expect(res.body.users).to.have.length(res.body.total);
        // Alice sees her own email and role, and only the public fields of everyone else.
        for (const user of res.body.users) {
          expect(Object.keys(user).sort(), user.id).to.deep.equal(user.id === alice.id ? USER_KEYS : PUBLIC_USER_KEYS);
        }
        const ids: string[] = res.body.users.map((u: { id: string }) => u.id);
        expect(ids.indexOf(alice.id)).to.be.within(0, ids.indexOf(bob.id) - 1);
        expect(ids.indexOf(bob.id)).to.be.lessThan(ids.indexOf(admin.id));
      });

      it('pages with limit and offset consistently', async () => {
        const page = await get(url('/api/v1/users?limit=2&offset=0'), { token: alice.accessToken });
        const next = await get(url('/api/v1/users?limit=1&offset=1'), { token: alice.accessToken });
        expect(page.status).to.equal(200);
        expect(page.body.users).to.have.length(2);
        expect(page.body.limit).to.equal(2);
        expect(next.body.users).to.have.length(1);
        expect(next.body.offset).to.equal(1);
        expect(next.body.users[0].id).to.equal(page.body.users[1].id);
        expect(next.body.total).to.equal(page.body.total);
        const beyond = await get(url(`/api/v1/users?limit=10&offset=${page.body.total}`), { token: alice.accessToken });
        expect(beyond.status).to.equal(200);
        expect(beyond.body.users).to.deep.equal([]);
      });

      for (const bad of ['0', '101', 'abc', '1.5']) {
        it(`rejects limit=${bad} with 400 naming "limit"`, async () => {
          expectError(await get(url(`/api/v1/users?limit=${bad}`), { token: alice.accessToken }), 400, 'BAD_REQUEST', 'limit');
        });
      }

      it('rejects offset=-1 with 400 naming "offset"', async () => {
        expectError(await get(url('/api/v1/users?offset=-1'), { token: alice.accessToken }), 400, 'BAD_REQUEST', 'offset');
      });

      it('requires a valid token (401)', async () => {
        expectError(await get(url('/api/v1/users')), 401, 'UNAUTHORIZED');
        expectError(await get(url('/api/v1/users'), { token: tamperPayload(alice.accessToken) }), 401, 'UNAUTHORIZED');
      });
    });

    describe('GET /api/v1/users/:id', () => {
      it('answers {user} for any signed-in caller: another user gets id, name and times only', async () => {
        const res = await get(url(`/api/v1/users/${alice.id}`), { token: bob.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(Object.keys(res.body)).to.deep.equal(['user']);
        expect(Object.keys(res.body.user).sort()).to.deep.equal(PUBLIC_USER_KEYS);
        expect(res.body.user).to.include({ id: alice.id, name: 'Alice' });
        // An admin's profile is no different to a non-admin.
        expect(Object.keys((await get(url(`/api/v1/users/${admin.id}`), { token: bob.accessToken })).body.user).sort()).to.deep.equal(PUBLIC_USER_KEYS);
      });

      it('shows the user themself their email and role', async () => {
        const res = await get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(Object.keys(res.body.user).sort()).to.deep.equal(USER_KEYS);
        expect(res.body.user).to.include({ id: alice.id, email: alice.email, name: 'Alice', role: 'user' });
      });

      it("shows an admin everyone's email and role, in GET and in the list", async () => {
        const res = await get(url(`/api/v1/users/${alice.id}`), { token: admin.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.user).to.include({ id: alice.id, email: alice.email, name: 'Alice', role: 'user' });
        const list = await get(url('/api/v1/users?limit=100'), { token: admin.accessToken });
        expect(list.status).to.equal(200);
        for (const user of list.body.users) expect(Object.keys(user).sort(), user.id).to.deep.equal(USER_KEYS);
        expect(list.body.users.find((u: { id: string }) => u.id === bob.id)).to.include({ email: bob.email, role: 'user' });
      });

      it('answers 404 for an unknown id and 400 naming "id" for a non-UUID', async () => {
        expectError(await get(url(`/api/v1/users/${crypto.randomUUID()}`), { token: alice.accessToken }), 404, 'NOT_FOUND');
        expectError(await get(url('/api/v1/users/not-a-uuid'), { token: alice.accessToken }), 400, 'BAD_REQUEST', 'id');
      });

      it('answers 401 for a missing, garbage or tampered token', async () => {
        const path = url(`/api/v1/users/${alice.id}`);
        expectError(await get(path), 401, 'UNAUTHORIZED');
        expectError(await get(path, { token: 'garbage.garbage.garbage' }), 401, 'UNAUTHORIZED');
        expectError(await get(path, { token: tamperPayload(alice.accessToken) }), 401, 'UNAUTHORIZED');
      });
    });

    describe('PATCH /api/v1/users/:id', () => {
      it('lets users change their own name; updatedAt moves, createdAt stays', async () => {
        const before = (await get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken })).body.user;
        await new Promise((r) => setTimeout(r, 20));
        const res = await patch(url(`/api/v1/users/${alice.id}`), { name: 'Alice Liddell' }, { token: alice.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.user).to.include({ id: alice.id, name: 'Alice Liddell', email: alice.email, role: 'user' });
        expect(res.body.user.createdAt).to.equal(before.createdAt);
        expect(Date.parse(res.body.user.updatedAt)).to.be.greaterThan(Date.parse(before.updatedAt));
        const reread = await get(url(`/api/v1/users/${alice.id}`), { token: bob.accessToken });
        expect(reread.body.user.name).to.equal('Alice Liddell');
      });

      it('forbids changing another user (403) and leaves them unchanged', async () => {
        const res = await patch(url(`/api/v1/users/${bob.id}`), { name: 'Hacked' }, { token: alice.accessToken });
        expectError(res, 403, 'FORBIDDEN');
        const reread = await get(url(`/api/v1/users/${bob.id}`), { token: bob.accessToken });
        expect(reread.body.user.name).to.equal('Bob');
      });

      it('forbids users from making themselves admin (403)', async () => {
        expectError(await patch(url(`/api/v1/users/${alice.id}`), { role: 'admin' }, { token: alice.accessToken }), 403, 'FORBIDDEN');
        expect((await get(url(`/api/v1/users/${alice.id}`), { token: alice.accessToken })).body.user.role).to.equal('user');
      });

      it('rejects invalid fields with 400 naming them', async () => {
        const target = url(`/api/v1/users/${alice.id}`);
        expectError(await patch(target, { email: 'nope' }, { token: alice.accessToken }), 400, 'BAD_REQUEST', 'email');
        expectError(await patch(target, { name: '' }, { token: alice.accessToken }), 400, 'BAD_REQUEST', 'name');
        expectError(await patch(target, { role: 'root' }, { token: admin.accessToken }), 400, 'BAD_REQUEST', 'role');
        expectError(await patch(url('/api/v1/users/not-a-uuid'), { name: 'X' }, { token: admin.accessToken }), 400, 'BAD_REQUEST', 'id');
        expectError(await request('PATCH', target, { rawJson: '{"name":', token: alice.accessToken }), 400, 'BAD_REQUEST');
      });

      it('rejects an email another user has with 409', async () => {
        expectError(await patch(url(`/api/v1/users/${alice.id}`), { email: bob.email }, { token: alice.accessToken }), 409, 'CONFLICT');
      });

      it('moves the login with an email change: new email logs in, old one gets 401', async () => {
        const erin = await registerAccount(stack().gatewayUrl, { name: 'Erin' });
        const newEmail = uniqueEmail('erin-new');
        const res = await patch(url(`/api/v1/users/${erin.id}`), { email: newEmail.toUpperCase() }, { token: erin.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.user.email).to.equal(newEmail);
        expect((await post(url('/api/v1/auth/login'), { email: newEmail, password: erin.password })).status).to.equal(200);
        expectError(await post(url('/api/v1/auth/login'), { email: erin.email, password: erin.password }), 401, 'UNAUTHORIZED');
        const me = await get(url('/api/v1/auth/me'), { token: erin.accessToken });
        expect(me.status).to.equal(200);
        expect(me.body.user.email).to.equal(newEmail);
      });

      it('lets an admin change anyone, including their role, which takes effect at once', async () => {
        const res = await patch(url(`/api/v1/users/${bob.id}`), { name: 'Robert', role: 'admin' }, { token: admin.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.user).to.include({ id: bob.id, name: 'Robert', role: 'admin' });
        // Bob's existing token now carries admin rights, since roles are read per request.
        const byBob = await patch(url(`/api/v1/users/${alice.id}`), { name: 'Alice (edited by Bob)' }, { token: bob.accessToken });
        expect(byBob.status, JSON.stringify(byBob.body)).to.equal(200);
        const back = await patch(url(`/api/v1/users/${bob.id}`), { role: 'user' }, { token: admin.accessToken });
        expect(back.body.user.role).to.equal('user');
        expectError(await patch(url(`/api/v1/users/${alice.id}`), { name: 'again' }, { token: bob.accessToken }), 403, 'FORBIDDEN');
      });

      it('answers 404 when an admin changes an unknown id', async () => {
        expectError(await patch(url(`/api/v1/users/${crypto.randomUUID()}`), { name: 'Ghost' }, { token: admin.accessToken }), 404, 'NOT_FOUND');
      });

      it('requires a token (401)', async () => {
        expectError(await patch(url(`/api/v1/users/${alice.id}`), { name: 'Anon' }), 401, 'UNAUTHORIZED');
      });
    });

    describe('DELETE /api/v1/users/:id', () => {
      it('forbids deleting another user (403) and keeps them', async () => {
        expectError(await del(url(`/api/v1/users/${bob.id}`), { token: alice.accessToken }), 403, 'FORBIDDEN');
        expect((await get(url(`/api/v1/users/${bob.id}`), { token: alice.accessToken })).status).to.equal(200);
      });

      it('lets users delete themselves: 204, then the profile, login and old token are gone', async () => {
        const dave = await registerAccount(stack().gatewayUrl, { name: 'Dave' });
        const res = await del(url(`/api/v1/users/${dave.id}`), { token: dave.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(204);
        expect(res.body).to.equal(undefined);
        expectError(await get(url(`/api/v1/users/${dave.id}`), { token: alice.accessToken }), 404, 'NOT_FOUND');
        expectError(await post(url('/api/v1/auth/login'), { email: dave.email, password: dave.password }), 401, 'UNAUTHORIZED');
        expectError(await get(url('/api/v1/auth/me'), { token: dave.accessToken }), 401, 'UNAUTHORIZED');
        expectError(await get(url(`/api/v1/users/${alice.id}`), { token: dave.accessToken }), 401, 'UNAUTHORIZED');
        expectError(await post(url('/api/v1/auth/refresh'), { refreshToken: dave.refreshToken }), 401, 'UNAUTHORIZED');
      });

      it('lets an admin delete another user, whose credentials go too; the email is free again', async () => {
        const carol = await registerAccount(stack().gatewayUrl, { name: 'Carol' });
        const res = await del(url(`/api/v1/users/${carol.id}`), { token: admin.accessToken });
        expect(res.status, JSON.stringify(res.body)).to.equal(204);
        expectError(await post(url('/api/v1/auth/login'), { email: carol.email, password: carol.password }), 401, 'UNAUTHORIZED');
        expectError(await get(url('/api/v1/auth/me'), { token: carol.accessToken }), 401, 'UNAUTHORIZED');
        const again = await registerAccount(stack().gatewayUrl, { email: carol.email, name: 'Carol II' });
        expect(again.id).not.to.equal(carol.id);
      });

      it('answers 404 when an admin deletes an unknown id, 401 without a token', async () => {
        expectError(await del(url(`/api/v1/users/${crypto.randomUUID()}`), { token: admin.accessToken }), 404, 'NOT_FOUND');
        expectError(await del(url(`/api/v1/users/${alice.id}`)), 401, 'UNAUTHORIZED');
      });
    });

    describe('health, readiness and the OpenAPI document', () => {
      it('GET /health answers 200 and GET /ready answers 200 while both services serve', async () => {
        expect((await get(url('/health'))).status).to.equal(200);
        expect((await get(url('/ready'))).status).to.equal(200);
      });

      it('answers unknown routes with a 404 error body, and a non-object JSON body with 400', async () => {
        expectError(await get(url('/api/v1/no-such-route')), 404, 'NOT_FOUND');
        expectError(await post(url('/api/v1/auth/login'), ['a', 'b']), 400, 'BAD_REQUEST');
      });

      it('GET /openapi.json is an OpenAPI 3 document with every REST path and method', async () => {
        const res = await get(url('/openapi.json'));
        expect(res.status).to.equal(200);
        expect(res.body.openapi).to.match(/^3\./);
        expect(res.body.info).to.have.property('title');
        const paths = res.body.paths as Record<string, Record<string, unknown>>;
        const expected: Record<string, string[]> = {
          '/api/v1/auth/register': ['post'],
          '/api/v1/auth/login': ['post'],
          '/api/v1/auth/refresh': ['post'],
          '/api/v1/auth/logout': ['post'],
          '/api/v1/auth/me': ['get'],
          '/api/v1/users': ['get'],
          '/api/v1/users/{id}': ['get', 'patch', 'delete'],
        };
        for (const [path, methods] of Object.entries(expected)) {
          expect(paths, `paths: ${Object.keys(paths).join(', ')}`).to.have.property(path);
          for (const method of methods) expect(paths[path], `${method} ${path}`).to.have.property(method);
        }
      });
    });
  }),
);
