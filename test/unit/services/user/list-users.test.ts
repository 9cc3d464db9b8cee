import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import type { User } from '../../../../gen/user/v1/user';
import { ADMIN_EMAIL, expectStatus, Harness } from '../../../support/user-harness';

describe('user service: ListUsers', () => {
  let h: Harness;
  let token: string;
  let created: User[];

  before(async () => {
    h = await Harness.start();
    const first = await h.register(ADMIN_EMAIL, 'Admin');
    token = first.token;
    created = [first.user];
    // Sequential, so created_at is non-decreasing in creation order.
    for (let i = 1; i < 25; i++) created.push((await h.register(`user${i}@example.com`, `User ${i}`)).user);
  });
  after(async () => {
    await h.stop();
  });

  it('returns the default page of 20, oldest first, with the total', async () => {
    const page = await h.listUsers(0, 0, { token });
    expect(page.total).to.equal(25);
    expect(page.users).to.have.length(20);
    expect(page.users[0]).to.deep.equal(created[0]);
    const keys = page.users.map((u) => `${u.createdAt} ${u.id}`);
    expect(keys).to.deep.equal([...keys].sort());
  });

  it('pages through every user exactly once in (created_at, id) order', async () => {
    const seen: User[] = [];
    for (let offset = 0; offset < 30; offset += 7) {
      const page = await h.listUsers(7, offset, { token });
      expect(page.total).to.equal(25);
      expect(page.users.length).to.equal(Math.max(0, Math.min(7, 25 - offset)));
      seen.push(...page.users);
    }
    expect(seen.map((u) => u.id)).to.have.members(created.map((u) => u.id));
    expect(new Set(seen.map((u) => u.id)).size).to.equal(25);
    const sorted = [...created].sort((a, b) => (a.createdAt + a.id < b.createdAt + b.id ? -1 : 1));
    expect(seen.map((u) => u.id)).to.deep.equal(sorted.map((u) => u.id));
  });

  it('accepts the bounds 1 and 100 and an offset past the end', async () => {
    expect((await h.listUsers(1, 0, { token })).users).to.have.length(1);
    expect((await h.listUsers(100, 0, { token })).users).to.have.length(25);
    const past = await h.listUsers(10, 1000, { token });
    expect(past.users).to.have.length(0);
    expect(past.total).to.equal(25);
  });

  it('rejects a limit outside 1..100 and a negative offset, naming the field', async () => {
    await expectStatus(h.listUsers(101, 0, { token }), status.INVALID_ARGUMENT, 'limit: must be at most 100');
    await expectStatus(h.listUsers(-1, 0, { token }), status.INVALID_ARGUMENT, 'limit: must be at least 1');
    await expectStatus(h.listUsers(10, -1, { token }), status.INVALID_ARGUMENT, 'offset: must be at least 0');
  });

  it('is open to any authenticated user, not only admins', async () => {
    const { token: userToken } = await h.register('lister@example.com');
    const page = await h.listUsers(5, 0, { token: userToken });
    expect(page.total).to.equal(26);
    await h.deleteUser((await h.listUsers(1, 25, { token })).users[0]!.id, { token });
    expect((await h.listUsers(5, 0, { token })).total).to.equal(25);
  });
});
