import { status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { ADMIN_EMAIL, eventually, expectStatus, Harness } from '../../../support/user-harness';
import { hang } from '../../../support/fake-auth-service';

// The user service's own default (GRPC_DEADLINE_MS) is 5 s; the caller allows 300 ms. If the
// downstream call did not inherit the caller's deadline it would run on for seconds after the
// caller gave up, holding resources (and, in CreateUser, a half-created user).
describe('user service: deadline propagation', () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  it("gives AuthService.Register the caller's shorter deadline, then cleans up at that deadline", async () => {
    h = await Harness.start({ GRPC_DEADLINE_MS: '5000' });
    const admin = await h.register(ADMIN_EMAIL);
    h.fake.script.register = hang();

    const started = Date.now();
    const callerDeadline = started + 300;
    await expectStatus(
      h.createUser({ email: 'slow@example.com', password: 'long enough pw', name: 'Slow' }, { timeoutMs: 300 }),
      status.DEADLINE_EXCEEDED,
    );
    expect(Date.now() - started).to.be.within(250, 1000);

    const register = h.fake.callsOf('register').at(-1)!;
    expect(register.request).to.include({ email: 'slow@example.com' });
    // Deadlines travel as a relative grpc-timeout, so allow a little clock slack.
    expect(register.deadline).to.be.at.most(callerDeadline + 50);
    expect(register.deadline).to.be.below(started + 1000);
    // The auth call itself was abandoned at that deadline, not after 5 s, and the user removed.
    await eventually(async () => expect(register.cancelledAt).to.be.a('number'));
    expect(register.cancelledAt! - started).to.be.below(1000);
    await eventually(async () => {
      const emails = (await h.allUsers(admin.token)).map((u) => u.email);
      expect(emails).to.deep.equal([ADMIN_EMAIL]);
    });
  });

  it("gives AuthService.ValidateToken the caller's shorter deadline", async () => {
    h = await Harness.start({ GRPC_DEADLINE_MS: '5000' });
    const admin = await h.register(ADMIN_EMAIL);
    h.fake.script.validateToken = hang();

    const started = Date.now();
    await expectStatus(h.getUser(admin.user.id, { token: admin.token, timeoutMs: 300 }), status.DEADLINE_EXCEEDED);
    const validate = h.fake.callsOf('validateToken').at(-1)!;
    expect(validate.deadline).to.be.at.most(started + 350);
    await eventually(async () => expect(validate.cancelledAt).to.be.a('number'));
    expect(validate.cancelledAt! - started).to.be.below(1000);
  });

  it('uses GRPC_DEADLINE_MS when the caller set no deadline', async () => {
    h = await Harness.start({ GRPC_DEADLINE_MS: '400' });
    const admin = await h.register(ADMIN_EMAIL);
    h.fake.script.validateToken = hang();

    const started = Date.now();
    // The user service's downstream DEADLINE_EXCEEDED reaches a caller that would have waited forever.
    await expectStatus(h.listUsers(0, 0, { token: admin.token, timeoutMs: Infinity }), status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).to.be.within(350, 2000);
    const validate = h.fake.callsOf('validateToken').at(-1)!;
    expect(validate.deadline).to.be.within(started + 300, started + 500);
  });
});
