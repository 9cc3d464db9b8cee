import { randomUUID } from 'node:crypto';
import { status as GrpcStatus, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { z } from 'zod';
import { UserServiceService, type UserServiceServer } from '../../gen/user/v1/user';
import { AppError } from '../../shared/errors/app-error';
import type { FaultPlan } from '../../shared/faults/fault-rules';
import { callerOf, implement, type AsyncService } from '../../shared/grpc/handler';
import { clientAddressOf } from '../../shared/grpc/metadata';
import type { Logger } from '../../shared/logging/logger';
import * as fields from '../../shared/validation/schemas';
import { parseOrThrow } from '../../shared/validation/schemas';
import type { AuthApi } from './auth-client';
import { authenticate } from './authenticate';
import type { RegistrationThrottle } from './registration-throttle';
import type { Registrations } from './registrations';
import { assertMayModify, assertMaySetRole, roleForNewUser, visibleTo, type Caller } from './authorize';
import { toUser, type UserChanges, type UserRepository } from './user-repository';

/** The `service` name on operation spans and log lines. */
export const USER_SERVICE_NAME = 'user-service';

/** ListUsers page size when the request leaves `limit` at 0. */
export const DEFAULT_PAGE_SIZE = 20;

/** What the handlers need. */
export interface UserHandlerDeps {
  users: UserRepository;
  auth: AuthApi;
  /** Registration across the two services (crash-safe). */
  registrations: Registrations;
  /** Limits registration attempts per client address (REGISTRATION_MAX_PER_CLIENT). */
  registrationThrottle: RegistrationThrottle;
  /** Lower-cased emails that register as admins. */
  adminEmails: ReadonlySet<string>;
  logger: Logger;
  /** Faults to inject (FAULTS); none when absent. */
  faults?: FaultPlan | undefined;
}

// Requests are validated as objects so an error names the field (`email: must be an email address`).
const createUserInput = z.object({ email: fields.email, password: fields.password, name: fields.name });
const idInput = z.object({ id: fields.userId });
const updateUserInput = z.object({
  id: fields.userId,
  name: fields.name.optional(),
  email: fields.email.optional(),
  role: fields.role.optional(),
});
const pageInput = z.object({ limit: fields.limit, offset: fields.offset });

const notFound = () => new AppError('NOT_FOUND', 'user not found');

/** True for a gRPC error with the given status code. */
const hasStatus = (err: unknown, code: GrpcStatus) => (err as { code?: unknown } | null)?.code === code;

/**
 * The UserService RPCs as async handlers (wrapped by {@link createUserService}, which
 * authenticates every RPC but CreateUser first and hands the caller over as `ctx.caller`).
 */
export function createUserHandlers(deps: UserHandlerDeps): AsyncService<UserServiceServer, Caller> {
  const { users, auth, registrations, registrationThrottle, adminEmails, logger } = deps;

  /** Runs a compensating step; its failure is logged, so the error the caller sees stays the original. */
  const compensate = async (what: string, userId: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (err) {
      logger.error({ userId, err }, `${what} failed: manual cleanup may be needed`);
    }
  };

  return {
    async createUser(request, ctx) {
      const input = parseOrThrow(createUserInput, request);
      // First, before any row is written or the auth service hashes the password: a client past
      // its limit gets 429 having cost one counter update.
      await registrationThrottle.admit(clientAddressOf(ctx.metadata), Math.floor(Date.now() / 1000));
      // Profile (pending), credentials, profile active: see registrations.ts for what a failure
      // or a crash at any point leaves behind, and how it is resolved.
      const row = await registrations.begin(
        { id: randomUUID(), email: input.email, name: input.name, role: roleForNewUser(input.email, adminEmails) },
        ctx,
      );
      ctx.trace.setAttribute('enduser.id', row.id);
      try {
        const tokens = await auth.register({ userId: row.id, email: row.email, password: input.password }, ctx);
        await registrations.complete(row.id);
        return { user: toUser(row), tokens };
      } catch (err) {
        // Whatever went wrong downstream (a conflict, an outage, a timeout after the auth service
        // may even have stored the credentials), nothing half-registered stays: undo it.
        await registrations.undo(row.id, ctx);
        throw err;
      }
    },

    async getUser(request, ctx) {
      const caller = callerOf(ctx);
      const { id } = parseOrThrow(idInput, request);
      const row = await users.findById(id);
      if (!row) throw notFound();
      return { user: visibleTo(caller, toUser(row)) };
    },

    async updateUser(request, ctx) {
      const caller = callerOf(ctx);
      const { id, ...changes } = parseOrThrow(updateUserInput, request);
      const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as UserChanges;
      if (Object.keys(given).length === 0) {
        throw new AppError('INVALID_ARGUMENT', 'at least one of name, email, role is required');
      }
      assertMayModify(caller, id, 'update');
      if (given.role !== undefined) assertMaySetRole(caller);

      const previous = await users.findById(id);
      if (!previous) throw notFound();
      const updated = await users.update(id, given);
      if (!updated) throw notFound();
      // Only the user or an admin gets here (assertMayModify), so the whole profile is theirs to see.

      if (given.email !== undefined && given.email !== previous.email) {
        try {
          await auth.updateCredentials({ userId: id, email: given.email }, ctx);
        } catch (err) {
          // Profile and login email must not disagree: undo the whole update.
          await compensate('restoring a user whose credential update failed', id, () => users.restore(previous));
          throw err;
        }
      }
      return { user: toUser(updated) };
    },

    async deleteUser(request, ctx) {
      const caller = callerOf(ctx);
      const { id } = parseOrThrow(idInput, request);
      // Permission first: a non-admin must not learn whether someone else's id exists.
      assertMayModify(caller, id, 'delete');
      if (!(await users.findById(id))) throw notFound();
      try {
        // Credentials (and so every token) go first: a failure here leaves the user intact and
        // able to retry, rather than a profile-less login that still works.
        await auth.deleteCredentials(id, ctx);
      } catch (err) {
        // Nothing to delete there is the state we want (e.g. credentials already removed).
        if (!hasStatus(err, GrpcStatus.NOT_FOUND)) throw err;
      }
      await users.delete(id);
      return {};
    },

    async listUsers(request, ctx) {
      const caller = callerOf(ctx);
      const { limit, offset } = parseOrThrow(pageInput, {
        limit: request.limit === 0 ? DEFAULT_PAGE_SIZE : request.limit,
        offset: request.offset,
      });
      const page = await users.list(limit, offset);
      return { users: page.rows.map((row) => visibleTo(caller, toUser(row))), total: page.total };
    },
  };
}

/** The UserService implementation for a grpc-js server: handlers plus spans, logs and error mapping. */
export function createUserService(deps: UserHandlerDeps): UntypedServiceImplementation {
  return implement<UserServiceServer, Caller>(UserServiceService, createUserHandlers(deps), {
    service: USER_SERVICE_NAME,
    logger: deps.logger,
    faults: deps.faults,
    authenticate: (ctx) => authenticate(ctx, deps.auth, deps.users),
  });
}
