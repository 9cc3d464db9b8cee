import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import type { User } from '../../../../gen/user/v1/user';
import { ADMIN_EMAIL, expectStatus, Harness } from '../../../support/user-harness';
import { fail } from '../../../support/fake-auth-service';

describe('user service: authentication and authorization', () => {
  let h: Harness;
  let admin: { user: User; token: string };
  let alice: { user: User; token: string };
  let bob: { user: User; token: string };

  beforeEach(async () => {
    h = await Harness.start();
    admin = await h.register(ADMIN_EMAIL, 'Admin');
    alice = await h.register('alice@example.com', 'Alice');
    bob = await h.register('bob@example.com', 'Bob');
    h.fake.calls.length = 0;
  });
  afterEach(async () => {
    await h.stop();
  });

  describe('authentication', () => {
    it('rejects every protected call without a bearer token, without asking auth', async () => {
      const id = alice.user.id;
      await expectStatus(h.getUser(id), status.UNAUTHENTICATED, 'missing bearer token');
      await expectStatus(h.updateUser({ id, name: 'X' }), status.UNAUTHENTICATED, 'missing bearer token');
      await expectStatus(h.deleteUser(id), status.UNAUTHENTICATED, 'missing bearer token');
      await expectStatus(h.listUsers(0, 0), status.UNAUTHENTICATED, 'missing bearer token');
      expect(h.fake.calls).to.have.length(0);
    });

    it('forwards the token to ValidateToken and passes its UNAUTHENTICATED through', async () => {
      await expectStatus(h.getUser(alice.user.id, { token: 'forged' }), status.UNAUTHENTICATED, 'invalid token');
      const validations = h.fake.callsOf('validateToken');
      expect(validations).to.have.length(1);
      expect(validations[0]!.authorization).to.equal('Bearer forged');
    });

    it('passes an auth outage through as UNAVAILABLE', async () => {
      h.fake.script.validateToken = fail(status.UNAVAILABLE, 'auth down');
      await expectStatus(h.listUsers(0, 0, { token: alice.token }), status.UNAVAILABLE, 'auth down');
    });

    it('rejects a valid token whose user no longer exists here', async () => {
      h.fake.script.validateToken = async () => ({ userId: randomUUID(), email: 'gone@example.com', expiresAt: 0 });
      await expectStatus(h.getUser(alice.user.id, { token: alice.token }), status.UNAUTHENTICATED, 'user no longer exists');
    });
  });

  describe('what of a user a caller sees (GetUser, ListUsers)', () => {
    /** `user` without the fields only the user themself and admins see. */
    const publicView = (user: User) => ({ ...user, email: undefined, role: undefined });

    it('GetUser: the user themself sees all of their profile', async () => {
      const res = await h.getUser(alice.user.id, { token: alice.token });
      expect(res.user).to.deep.equal(alice.user);
      expect(res.user).to.include({ email: 'alice@example.com', role: 'user' });
    });

    it("GetUser: another user sees only id, name and times, not email or role", async () => {
      const res = await h.getUser(bob.user.id, { token: alice.token });
      expect(res.user).to.deep.equal(publicView(bob.user));
      expect(res.user).to.include({ id: bob.user.id, name: 'Bob', createdAt: bob.user.createdAt, updatedAt: bob.user.updatedAt });
      // An admin's profile is no different: a non-admin does not learn who the admins are.
      expect((await h.getUser(admin.user.id, { token: bob.token })).user).to.deep.equal(publicView(admin.user));
    });

    it("GetUser: an admin sees everyone's email and role", async () => {
      expect((await h.getUser(bob.user.id, { token: admin.token })).user).to.deep.equal(bob.user);
      expect(bob.user).to.include({ email: 'bob@example.com', role: 'user' });
    });

    it("ListUsers: a user sees their own email and role, nobody else's; an admin sees all", async () => {
      const byId = (users: User[]) => Object.fromEntries(users.map((u) => [u.id, u]));
      const seenByAlice = byId(await h.allUsers(alice.token));
      expect(seenByAlice[alice.user.id]).to.deep.equal(alice.user);
      expect(seenByAlice[bob.user.id]).to.deep.equal(publicView(bob.user));
      expect(seenByAlice[admin.user.id]).to.deep.equal(publicView(admin.user));
      const seenByAdmin = byId(await h.allUsers(admin.token));
      expect(seenByAdmin[alice.user.id]).to.deep.equal(alice.user);
      expect(seenByAdmin[bob.user.id]).to.deep.equal(bob.user);
      expect(seenByAdmin[admin.user.id]).to.deep.equal(admin.user);
    });

    it('rejects a malformed id and reports an unknown one as NOT_FOUND', async () => {
      await expectStatus(h.getUser('nope', { token: alice.token }), status.INVALID_ARGUMENT, 'id: must be a UUID');
      await expectStatus(h.getUser(randomUUID(), { token: alice.token }), status.NOT_FOUND, 'user not found');
    });
  });

  describe('UpdateUser', () => {
    it('lets users change their own name and email', async () => {
      await new Promise((r) => setTimeout(r, 5)); // so updated_at moves
      const res = await h.updateUser({ id: alice.user.id, name: 'Alice L.', email: 'Alice.L@Example.com' }, { token: alice.token });
      expect(res.user).to.include({ id: alice.user.id, name: 'Alice L.', email: 'alice.l@example.com', role: 'user', createdAt: alice.user.createdAt });
      expect(res.user!.updatedAt > alice.user.updatedAt).to.equal(true);
      const updates = h.fake.callsOf('updateCredentials');
      expect(updates.map((c) => c.request)).to.deep.equal([{ userId: alice.user.id, email: 'alice.l@example.com' }]);
      expect((await h.getUser(alice.user.id, { token: alice.token })).user).to.deep.equal(res.user);
    });

    it('does not call UpdateCredentials when the email does not change', async () => {
      await h.updateUser({ id: alice.user.id, name: 'Al', email: 'ALICE@example.com' }, { token: alice.token });
      expect(h.fake.callsOf('updateCredentials')).to.have.length(0);
    });

    it("denies changing another user's profile", async () => {
      await expectStatus(h.updateUser({ id: bob.user.id, name: 'Hacked' }, { token: alice.token }), status.PERMISSION_DENIED);
      expect((await h.getUser(bob.user.id, { token: alice.token })).user!.name).to.equal('Bob');
    });

    it('denies a non-admin asking about an unknown id with PERMISSION_DENIED, an admin gets NOT_FOUND', async () => {
      const unknown = randomUUID();
      await expectStatus(h.updateUser({ id: unknown, name: 'X' }, { token: alice.token }), status.PERMISSION_DENIED);
      await expectStatus(h.updateUser({ id: unknown, name: 'X' }, { token: admin.token }), status.NOT_FOUND, 'user not found');
    });

    it("lets an admin change anyone's profile and role", async () => {
      const res = await h.updateUser({ id: bob.user.id, name: 'Robert', role: 'admin' }, { token: admin.token });
      expect(res.user).to.include({ name: 'Robert', role: 'admin' });
      // Bob's new role is effective at once: he may now edit Alice.
      const edited = await h.updateUser({ id: alice.user.id, name: 'Edited by Bob' }, { token: bob.token });
      expect(edited.user!.name).to.equal('Edited by Bob');
    });

    it('denies a non-admin any role change, even their own', async () => {
      await expectStatus(h.updateUser({ id: alice.user.id, role: 'admin' }, { token: alice.token }), status.PERMISSION_DENIED, 'only an admin may change a role');
      expect((await h.getUser(alice.user.id, { token: alice.token })).user!.role).to.equal('user');
    });

    it('validates fields and requires at least one', async () => {
      const token = alice.token;
      const id = alice.user.id;
      await expectStatus(h.updateUser({ id }, { token }), status.INVALID_ARGUMENT, 'at least one of name, email, role is required');
      await expectStatus(h.updateUser({ id, email: 'bad' }, { token }), status.INVALID_ARGUMENT, /^email: /);
      await expectStatus(h.updateUser({ id, name: '' }, { token }), status.INVALID_ARGUMENT, 'name: must not be empty');
      await expectStatus(h.updateUser({ id, role: 'root' }, { token: admin.token }), status.INVALID_ARGUMENT, 'role: must be "user" or "admin"');
      await expectStatus(h.updateUser({ id: 'x', name: 'Y' }, { token }), status.INVALID_ARGUMENT, 'id: must be a UUID');
    });

    it("rejects taking another user's email with ALREADY_EXISTS", async () => {
      await expectStatus(h.updateUser({ id: alice.user.id, email: 'BOB@example.com' }, { token: alice.token }), status.ALREADY_EXISTS, 'email: already registered');
      expect((await h.getUser(alice.user.id, { token: alice.token })).user).to.deep.equal(alice.user);
    });

    it('restores the previous profile when UpdateCredentials fails', async () => {
      h.fake.script.updateCredentials = fail(status.UNAVAILABLE, 'auth down');
      await expectStatus(
        h.updateUser({ id: alice.user.id, name: 'New Name', email: 'new@example.com' }, { token: alice.token }),
        status.UNAVAILABLE,
        'auth down',
      );
      expect((await h.getUser(alice.user.id, { token: alice.token })).user).to.deep.equal(alice.user);
      // The new email was released again.
      await h.register('new@example.com');
    });
  });

  describe('DeleteUser', () => {
    it("denies deleting another user's account", async () => {
      await expectStatus(h.deleteUser(bob.user.id, { token: alice.token }), status.PERMISSION_DENIED, 'only the user or an admin may delete this user');
      await expectStatus(h.deleteUser(randomUUID(), { token: alice.token }), status.PERMISSION_DENIED);
      expect(h.fake.callsOf('deleteCredentials')).to.have.length(0);
      expect((await h.getUser(bob.user.id, { token: bob.token })).user).to.deep.equal(bob.user);
    });

    it('lets users delete themselves: credentials first, then the profile; the token dies', async () => {
      expect(await h.deleteUser(alice.user.id, { token: alice.token })).to.deep.equal({});
      expect(h.fake.callsOf('deleteCredentials').map((c) => c.request)).to.deep.equal([{ userId: alice.user.id }]);
      await expectStatus(h.getUser(alice.user.id, { token: bob.token }), status.NOT_FOUND);
      await expectStatus(h.getUser(bob.user.id, { token: alice.token }), status.UNAUTHENTICATED);
    });

    it('lets an admin delete anyone and reports an unknown id as NOT_FOUND', async () => {
      await h.deleteUser(bob.user.id, { token: admin.token });
      await expectStatus(h.getUser(bob.user.id, { token: admin.token }), status.NOT_FOUND);
      await expectStatus(h.deleteUser(bob.user.id, { token: admin.token }), status.NOT_FOUND, 'user not found');
      expect(h.fake.callsOf('deleteCredentials')).to.have.length(1);
    });

    it('keeps the user when DeleteCredentials fails, and passes the error through', async () => {
      h.fake.script.deleteCredentials = fail(status.UNAVAILABLE, 'auth down');
      await expectStatus(h.deleteUser(alice.user.id, { token: alice.token }), status.UNAVAILABLE, 'auth down');
      expect((await h.getUser(alice.user.id, { token: admin.token })).user).to.deep.equal(alice.user);
    });

    it('still removes the profile when auth has no credentials for it', async () => {
      h.fake.credentials.delete(bob.user.id);
      await h.deleteUser(bob.user.id, { token: admin.token });
      await expectStatus(h.getUser(bob.user.id, { token: admin.token }), status.NOT_FOUND);
    });
  });
});
