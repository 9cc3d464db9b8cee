import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import type { RegisterRequest } from '../../../../gen/auth/v1/auth';
import { ADMIN_EMAIL, expectStatus, Harness } from '../../../support/user-harness';
import { accessTokenFor, fail } from '../../../support/fake-auth-service';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('user service: CreateUser', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('stores a user with role "user", registers the credentials and returns the tokens', async () => {
    const res = await h.createUser({ email: '  Ada@Example.COM ', password: 'correct horse battery', name: ' Ada ' });
    const user = res.user!;
    expect(user.id).to.match(UUID);
    expect(user).to.include({ email: 'ada@example.com', name: 'Ada', role: 'user' });
    expect(user.createdAt).to.match(ISO_UTC);
    expect(user.updatedAt).to.equal(user.createdAt);
    expect(res.tokens).to.deep.equal({
      accessToken: accessTokenFor(user.id),
      refreshToken: `refresh-${user.id}`,
      tokenType: 'Bearer',
      expiresIn: 900,
    });

    const registers = h.fake.callsOf('register');
    expect(registers).to.have.length(1);
    expect(registers[0]!.request as RegisterRequest).to.deep.equal({
      userId: user.id,
      email: 'ada@example.com',
      password: 'correct horse battery',
    });

    const fetched = await h.getUser(user.id, { token: res.tokens!.accessToken });
    expect(fetched.user).to.deep.equal(user);
  });

  it('gives role "admin" to an email listed in ADMIN_EMAILS, whatever its case', async () => {
    const admin = await h.register('ADMIN@example.com');
    expect(admin.user.role).to.equal('admin');
    const boss = await h.register('boss@example.com');
    expect(boss.user.role).to.equal('admin');
    const other = await h.register('someone@example.com');
    expect(other.user.role).to.equal('user');
  });

  it('rejects invalid input with INVALID_ARGUMENT naming the field, without calling auth', async () => {
    await expectStatus(h.createUser({ email: 'not-an-email', password: 'long enough pw', name: 'N' }), status.INVALID_ARGUMENT, /^email: /);
    await expectStatus(h.createUser({ email: '', password: 'long enough pw', name: 'N' }), status.INVALID_ARGUMENT, /^email: /);
    await expectStatus(
      h.createUser({ email: 'a@example.com', password: 'short', name: 'N' }),
      status.INVALID_ARGUMENT,
      'password: must be at least 8 characters',
    );
    await expectStatus(
      h.createUser({ email: 'a@example.com', password: 'x'.repeat(129), name: 'N' }),
      status.INVALID_ARGUMENT,
      'password: must be at most 128 characters',
    );
    await expectStatus(h.createUser({ email: 'a@example.com', password: 'long enough pw', name: '   ' }), status.INVALID_ARGUMENT, 'name: must not be empty');
    await expectStatus(h.createUser({ email: 'a@example.com', password: 'long enough pw', name: 'n'.repeat(101) }), status.INVALID_ARGUMENT, /^name: /);
    expect(h.fake.calls).to.have.length(0);
  });

  it('rejects a second registration of an email (any case) with ALREADY_EXISTS', async () => {
    const admin = await h.register(ADMIN_EMAIL);
    await h.register('taken@example.com');
    await expectStatus(h.createUser({ email: 'Taken@Example.com', password: 'another password', name: 'Two' }), status.ALREADY_EXISTS, 'email: already registered');
    // The duplicate was refused by this service's unique index before auth was asked.
    expect(h.fake.callsOf('register')).to.have.length(2);
    const emails = (await h.allUsers(admin.token)).map((u) => u.email);
    expect(emails.filter((e) => e === 'taken@example.com')).to.have.length(1);
  });

  it('lets exactly one of 20 concurrent registrations of one email succeed', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => h.createUser({ email: 'race@example.com', password: `password-${i}`, name: `Racer ${i}` })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).to.have.length(1);
    expect(failed).to.have.length(19);
    for (const f of failed) expect(status[f.reason.code]).to.equal('ALREADY_EXISTS');
    expect(h.fake.callsOf('register')).to.have.length(1);

    const admin = await h.register(ADMIN_EMAIL);
    const racers = (await h.allUsers(admin.token)).filter((u) => u.email === 'race@example.com');
    expect(racers).to.have.length(1);
  });

  for (const [code, details, label] of [
    [status.UNAVAILABLE, 'auth service down', 'UNAVAILABLE'],
    [status.ALREADY_EXISTS, 'email: already registered', 'ALREADY_EXISTS'],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded', 'DEADLINE_EXCEEDED'],
  ] as const) {
    it(`passes an auth Register ${label} through and leaves no user behind`, async () => {
      const admin = await h.register(ADMIN_EMAIL);
      h.fake.script.register = fail(code, details);
      await expectStatus(h.createUser({ email: 'ghost@example.com', password: 'long enough pw', name: 'Ghost' }), code, details);

      const users = await h.allUsers(admin.token);
      expect(users.map((u) => u.email)).to.deep.equal([ADMIN_EMAIL]);
      expect((await h.listUsers(0, 0, { token: admin.token })).total).to.equal(1);

      // The email is free again once auth recovers.
      delete h.fake.script.register;
      const retry = await h.register('ghost@example.com');
      expect(retry.user.email).to.equal('ghost@example.com');
    });
  }

  it('fails with UNAVAILABLE (not INTERNAL) when the auth service is not running', async () => {
    h.fake.stop();
    const started = Date.now();
    await expectStatus(h.createUser({ email: 'nobody@example.com', password: 'long enough pw', name: 'Nobody' }), status.UNAVAILABLE);
    // Fails fast on the refused connection instead of waiting out the 5 s deadline.
    expect(Date.now() - started).to.be.lessThan(3000);
  });

  it('never writes emails, passwords or tokens to its logs', async () => {
    const admin = await h.register(ADMIN_EMAIL, 'Admin', 'admin secret pw 1');
    await h.register('private@example.com', 'Private', 'private secret pw 2');
    await expectStatus(h.createUser({ email: 'private@example.com', password: 'private secret pw 3', name: 'Again' }), status.ALREADY_EXISTS);
    h.fake.script.register = fail(status.INTERNAL, 'boom');
    await expectStatus(h.createUser({ email: 'other@example.com', password: 'other secret pw 4', name: 'Other' }), status.INTERNAL);
    await h.listUsers(0, 0, { token: admin.token });

    const text = h.logs.join('');
    expect(h.logs.length).to.be.greaterThan(4);
    for (const secret of ['example.com', 'secret pw', admin.token, 'Bearer']) expect(text).to.not.include(secret);
  });
});
