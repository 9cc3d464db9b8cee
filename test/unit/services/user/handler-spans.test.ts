import { Metadata, status } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import { SpanParent } from '../../../../shared/telemetry/spans';
import { expect } from 'chai';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { openSqlite } from '../../../../shared/db/sqlite';
import type { HandlerContext } from '../../../../shared/grpc/handler';
import { bearerMetadata } from '../../../../shared/grpc/metadata';
import type { AuthApi } from '../../../../services/user/auth-client';
import { userMigrations } from '../../../../services/user/db/migrations';
import type { UserDatabase } from '../../../../services/user/db/schema';
import { RegistrationThrottle } from '../../../../services/user/registration-throttle';
import { authenticate } from '../../../../services/user/authenticate';
import type { Caller } from '../../../../services/user/authorize';
import { Registrations } from '../../../../services/user/registrations';
import { createUserHandlers } from '../../../../services/user/user-handlers';
import { UserRepository } from '../../../../services/user/user-repository';

// The operation span is the one place handlers write attributes themselves, so check it directly
// with a recording stand-in: the caller's id goes in, secrets never do.

/** A Span stand-in that records attributes. */
function recordingSpan(): { span: Span; attributes: Record<string, unknown> } {
  const attributes: Record<string, unknown> = {};
  const span = {
    setAttribute(key: string, value: unknown) {
      attributes[key] = value;
      return span;
    },
    setAttributes(attrs: Record<string, unknown>) {
      Object.assign(attributes, attrs);
      return span;
    },
  };
  return { span: span as unknown as Span, attributes };
}

describe('user service: operation span attributes', () => {
  let db: Kysely<UserDatabase>;
  const tokens = new Map<string, string>();
  const auth: AuthApi = {
    async register(req) {
      tokens.set(`tok-${req.userId}`, req.userId);
      return { accessToken: `tok-${req.userId}`, refreshToken: 'refresh-secret', tokenType: 'Bearer', expiresIn: 900 };
    },
    async validateToken(token) {
      const userId = tokens.get(token);
      if (!userId) throw Object.assign(new Error('invalid token'), { code: status.UNAUTHENTICATED });
      return { userId, email: 'x@example.com', expiresAt: 0 };
    },
    async updateCredentials() {},
    async deleteCredentials() {},
  };

  before(async () => {
    db = await openSqlite<UserDatabase>({ file: ':memory:', migrations: userMigrations });
  });
  after(async () => {
    await db.destroy();
  });

  const ctx = (metadata: Metadata = new Metadata()) => {
    const recorded = recordingSpan();
    const context: HandlerContext<Caller> = { metadata, deadline: undefined, trace: new SpanParent(recorded.span, undefined) };
    return { context, attributes: recorded.attributes };
  };

  it("records the new user's id on CreateUser and the caller's id on later calls, never secrets", async () => {
    const users = new UserRepository(db);
    const logger = pino({ level: 'silent' });
    const handlers = createUserHandlers({
      users,
      auth,
      registrations: new Registrations(users, auth, logger, 30_000),
      registrationThrottle: new RegistrationThrottle(db, { maxPerClient: 1, windowSeconds: 60 }),
      adminEmails: new Set(),
      logger,
    });

    const create = ctx();
    const created = await handlers.createUser({ email: 'span@example.com', password: 'span secret pw', name: 'Span' }, create.context);
    expect(create.attributes).to.deep.equal({ 'enduser.id': created.user!.id });

    const token = created.tokens!.accessToken;
    // What implement() does before a protected RPC's handler (its own test is in test/unit/shared/grpc).
    const list = ctx(bearerMetadata(token));
    list.context.caller = await authenticate(list.context, auth, users);
    await handlers.listUsers({ limit: 0, offset: 0 }, list.context);
    expect(list.attributes).to.deep.equal({ 'enduser.id': created.user!.id });

    const update = ctx(bearerMetadata(token));
    update.context.caller = await authenticate(update.context, auth, users);
    await handlers.updateUser({ id: created.user!.id, email: 'span2@example.com' }, update.context);
    const values = JSON.stringify([create.attributes, list.attributes, update.attributes]);
    for (const secret of ['example.com', 'span secret pw', token, 'refresh-secret']) expect(values).to.not.include(secret);
  });
});
