import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { openSqlite } from '../../../../shared/db/sqlite';
import { AppError } from '../../../../shared/errors/app-error';
import type { AuthApi } from '../../../../services/user/auth-client';
import { userMigrations } from '../../../../services/user/db/migrations';
import type { UserDatabase } from '../../../../services/user/db/schema';
import { Registrations } from '../../../../services/user/registrations';
import { UserRepository } from '../../../../services/user/user-repository';

const STALE_MS = 200;

describe('user: registrations are crash-safe (pending -> credentials -> active)', () => {
  let db: Kysely<UserDatabase>;
  let users: UserRepository;
  let registrations: Registrations;
  /** Credentials the auth side holds, by user id; `authDown` makes every call fail UNAVAILABLE. */
  let credentials: Set<string>;
  let authDown: boolean;
  const auth: AuthApi = {
    async validateToken() {
      throw new Error('not used');
    },
    async register(req) {
      credentials.add(req.userId);
      return undefined;
    },
    async updateCredentials() {},
    async deleteCredentials(userId) {
      if (authDown) throw Object.assign(new Error('auth down'), { code: status.UNAVAILABLE });
      credentials.delete(userId);
    },
  };
  const user = (email: string) => ({ id: crypto.randomUUID(), email, name: 'N', role: 'user' as const });
  const statusOf = async (id: string) => (await db.selectFrom('users').select('status').where('id', '=', id).executeTakeFirst())?.status;
  const age = (id: string, ms: number) =>
    db.updateTable('users').set({ created_at: new Date(Date.now() - ms).toISOString() }).where('id', '=', id).execute();

  beforeEach(async () => {
    db = await openSqlite<UserDatabase>({ file: ':memory:', migrations: userMigrations });
    users = new UserRepository(db);
    registrations = new Registrations(users, auth, pino({ level: 'silent' }), STALE_MS);
    credentials = new Set();
    authDown = false;
  });
  afterEach(() => db.destroy());

  it('keeps a begun registration invisible to reads until it completes', async () => {
    const row = await registrations.begin(user('a@example.test'), {});
    expect(await statusOf(row.id)).to.equal('pending');
    expect(await users.findById(row.id)).to.equal(undefined);
    expect((await users.list(10, 0)).total).to.equal(0);
    await registrations.complete(row.id);
    expect((await users.findById(row.id))?.email).to.equal('a@example.test');
    expect((await users.list(10, 0)).total).to.equal(1);
  });

  it('undoes a failed registration: credentials first, then the row', async () => {
    const row = await registrations.begin(user('b@example.test'), {});
    credentials.add(row.id); // the auth service may have stored them before the failure
    await registrations.undo(row.id, {});
    expect(credentials.has(row.id)).to.equal(false);
    expect(await statusOf(row.id)).to.equal(undefined);
  });

  it('marks it abandoned when the credentials cannot be removed now, and the next registration of the email resolves it', async () => {
    const first = await registrations.begin(user('c@example.test'), {});
    credentials.add(first.id);
    authDown = true;
    await registrations.undo(first.id, {});
    expect(await statusOf(first.id)).to.equal('abandoned');
    authDown = false;
    const second = await registrations.begin(user('c@example.test'), {});
    expect(second.id).to.not.equal(first.id);
    expect(credentials.has(first.id), 'the abandoned credentials are gone').to.equal(false);
    expect(await statusOf(first.id)).to.equal(undefined);
  });

  it('refuses the email while another registration of it may still be running, resolves it once it cannot be', async () => {
    const crashed = await registrations.begin(user('d@example.test'), {});
    credentials.add(crashed.id); // credentials stored, then the process died before `complete`
    const err = await registrations.begin(user('d@example.test'), {}).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('ALREADY_EXISTS');
    await age(crashed.id, STALE_MS + 50);
    const next = await registrations.begin(user('d@example.test'), {});
    expect(await statusOf(next.id)).to.equal('pending');
    expect(credentials.has(crashed.id)).to.equal(false);
  });

  it('never resolves a completed registration: its email stays taken', async () => {
    const done = await registrations.begin(user('e@example.test'), {});
    await registrations.complete(done.id);
    await age(done.id, STALE_MS * 10);
    const err = await registrations.begin(user('e@example.test'), {}).catch((e: unknown) => e);
    expect((err as AppError).code).to.equal('ALREADY_EXISTS');
    expect(await statusOf(done.id)).to.equal('active');
  });

  it('sweeps abandoned and dead registrations, and leaves young pending and active ones', async () => {
    const dead = await registrations.begin(user('dead@example.test'), {});
    credentials.add(dead.id);
    await age(dead.id, STALE_MS + 50);
    const abandoned = await registrations.begin(user('abandoned@example.test'), {});
    authDown = true;
    await registrations.undo(abandoned.id, {});
    authDown = false;
    const young = await registrations.begin(user('young@example.test'), {});
    const active = await registrations.begin(user('active@example.test'), {});
    await registrations.complete(active.id);
    await age(active.id, STALE_MS * 10);

    expect(await registrations.sweep()).to.equal(2);
    expect(await statusOf(dead.id)).to.equal(undefined);
    expect(await statusOf(abandoned.id)).to.equal(undefined);
    expect(credentials.has(dead.id)).to.equal(false);
    expect(await statusOf(young.id)).to.equal('pending');
    expect(await statusOf(active.id)).to.equal('active');
  });

  it('leaves a registration for the next sweep when the auth service is down', async () => {
    const dead = await registrations.begin(user('later@example.test'), {});
    await age(dead.id, STALE_MS + 50);
    authDown = true;
    expect(await registrations.sweep()).to.equal(0);
    expect(await statusOf(dead.id)).to.equal('pending');
    authDown = false;
    expect(await registrations.sweep()).to.equal(1);
  });
});
