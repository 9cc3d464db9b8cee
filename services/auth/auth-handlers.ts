import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AuthServiceService, type AuthServiceServer, type TokenPair } from '../../gen/auth/v1/auth';
import { AppError } from '../../shared/errors/app-error';
import type { FaultPlan } from '../../shared/faults/fault-rules';
import { callerOf, implement, type AsyncService, type AuthenticatedCaller, type HandlerContext } from '../../shared/grpc/handler';
import { bearerToken, clientAddressOf } from '../../shared/grpc/metadata';
import type { Logger } from '../../shared/logging/logger';
import * as fields from '../../shared/validation/schemas';
import { parseOrThrow } from '../../shared/validation/schemas';
import { INVALID_ACCESS_TOKEN, unixSeconds, type AccessTokenClaims, type AccessTokens, type AccessTokenSubject } from './access-token';
import { CredentialsRepository, type StoredCredentials } from './credentials-repository';
import type { AuthDatabase } from './db/schema';
import type { HashingSlots } from './hashing-slots';
import type { LoginThrottle } from './login-throttle';
import { hashPassword, needsRehash, verifyDummyPassword, verifyPassword } from './password';
import type { RefreshTokens } from './refresh-token';
import { RevokedTokenRepository } from './revoked-token-repository';

/** `service` on this process's spans and log lines. */
export const AUTH_SERVICE_NAME = 'auth-service';

/** What the handlers work with. */
export interface AuthServiceDeps {
  db: Kysely<AuthDatabase>;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  /** Bounds concurrent password hashing (HASH_CONCURRENCY, HASH_QUEUE_LIMIT). */
  hashing: HashingSlots;
  /** Delays password guessing per account and client (LOGIN_*). */
  loginThrottle: LoginThrottle;
}

const registerInput = z.object({ userId: fields.userId, email: fields.email, password: fields.password });
const loginInput = z.object({ email: fields.email, password: fields.password });
const refreshInput = z.object({ refreshToken: fields.refreshToken });
const updateInput = z.object({ userId: fields.userId, email: fields.email });
const deleteInput = z.object({ userId: fields.userId });

// Same code and message for an unknown email and a wrong password: Login must not reveal which
// emails are registered.
const INVALID_LOGIN = 'invalid email or password';

const AUTH_METHODS: Record<string, string> = { Register: 'password', Login: 'password', RefreshToken: 'refresh_token' };

/** The `auth.method` span attribute of an operation: how its caller proves who they are. */
export function authMethodOf(operation: string): string {
  return AUTH_METHODS[operation] ?? 'bearer';
}

/** The caller of a protected AuthService RPC: a valid access token of a user who still exists. */
export interface AuthCaller extends AuthenticatedCaller {
  claims: AccessTokenClaims;
  /** The user's current login email. */
  email: string;
}

/**
 * Identifies the caller from the bearer access token in metadata, locally: signature and claims,
 * then the user still has credentials and the token was not logged out. implement() runs it
 * before every AuthService RPC its contract does not mark public.
 */
export async function authenticateLocally(ctx: HandlerContext<AuthCaller>, deps: Pick<AuthServiceDeps, 'db' | 'accessTokens'>): Promise<AuthCaller> {
  const token = bearerToken(ctx.metadata);
  if (!token) throw new AppError('UNAUTHENTICATED', 'missing access token');
  const claims = await deps.accessTokens.verify(token);
  ctx.trace.setAttribute('enduser.id', claims.userId);
  const session = await new CredentialsRepository(deps.db).findActiveSession(claims.userId, claims.jti);
  if (!session) throw new AppError('UNAUTHENTICATED', INVALID_ACCESS_TOKEN);
  return { id: session.userId, email: session.email, claims };
}

/**
 * The AuthService handlers, as plain async functions (see {@link createAuthService}, which
 * authenticates the protected ones first and hands the caller over as `ctx.caller`).
 */
export function createAuthHandlers(deps: AuthServiceDeps, logger: Logger): AsyncService<AuthServiceServer, AuthCaller> {
  const { db, accessTokens, refreshTokens, hashing, loginThrottle } = deps;
  const credentials = new CredentialsRepository(db);

  /**
   * Stores a current-parameter hash of a password that just matched an outdated one (legacy
   * scrypt, older argon2id parameters). Best effort: the login has succeeded either way, and the
   * next one tries again.
   */
  const upgradeHash = async (stored: StoredCredentials, password: string): Promise<void> => {
    try {
      const upgraded = await hashPassword(password);
      await credentials.replacePasswordHash(stored.userId, stored.passwordHash, upgraded, unixSeconds());
    } catch (err) {
      logger.warn({ userId: stored.userId, err }, 'password hash upgrade failed; kept the old hash');
    }
  };

  const tokenPair = async (subject: AccessTokenSubject, refreshToken: string): Promise<TokenPair> => {
    const access = await accessTokens.issue(subject);
    return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: accessTokens.ttlSeconds };
  };

  return {
    async register(request, ctx) {
      const input = parseOrThrow(registerInput, request);
      ctx.trace.setAttribute('enduser.id', input.userId);
      const passwordHash = await hashing.run(ctx.deadline, () => hashPassword(input.password));
      const nowMs = Date.now();
      // Credentials and the first refresh token together: a failure leaves nothing half-registered.
      const refreshToken = await db.transaction().execute(async (trx) => {
        await new CredentialsRepository(trx).insert(
          { userId: input.userId, email: input.email, passwordHash },
          unixSeconds(nowMs),
        );
        return refreshTokens.startFamily(input.userId, nowMs, trx);
      });
      return { tokens: await tokenPair({ userId: input.userId, email: input.email }, refreshToken) };
    },

    async login(request, ctx) {
      const input = parseOrThrow(loginInput, request);
      const client = clientAddressOf(ctx.metadata);
      // Before anything costly: a delayed account or client gets 429 without a hash computed.
      await loginThrottle.check(input.email, client, unixSeconds());
      const stored = await credentials.findByEmail(input.email);
      // An unknown email still costs one hash, so timing does not reveal registered emails. The
      // upgrade of an outdated hash hashes too, so it runs in the same admission slot.
      const ok = await hashing.run(ctx.deadline, async () => {
        if (!stored) return verifyDummyPassword(input.password);
        const matches = await verifyPassword(input.password, stored.passwordHash);
        if (matches && needsRehash(stored.passwordHash)) await upgradeHash(stored, input.password);
        return matches;
      });
      if (!stored || !ok) {
        await loginThrottle.recordFailure(input.email, client, unixSeconds());
        throw new AppError('UNAUTHENTICATED', INVALID_LOGIN);
      }
      await loginThrottle.recordSuccess(input.email);
      ctx.trace.setAttribute('enduser.id', stored.userId);
      const refreshToken = await refreshTokens.startFamily(stored.userId);
      return { tokens: await tokenPair(stored, refreshToken), userId: stored.userId };
    },

    async refreshToken(request, ctx) {
      const input = parseOrThrow(refreshInput, request);
      const rotated = await refreshTokens.rotate(input.refreshToken);
      ctx.trace.setAttribute('enduser.id', rotated.userId);
      return { tokens: await tokenPair(rotated, rotated.refreshToken) };
    },

    async logout(request, ctx) {
      const { claims } = callerOf(ctx);
      // The refresh token is optional: an empty one logs out the access token only.
      if (request.refreshToken !== '') parseOrThrow(refreshInput, request);
      const nowMs = Date.now();
      await db.transaction().execute(async (trx) => {
        const revoked = new RevokedTokenRepository(trx);
        await revoked.revoke(claims.jti, claims.expiresAt);
        if (request.refreshToken !== '') {
          await refreshTokens.revokeFamilyOf(request.refreshToken, claims.userId, nowMs, trx);
        }
        // Opportunistic clean-up: expired rows can never be accepted again anyway.
        await revoked.pruneExpired(unixSeconds(nowMs));
        await refreshTokens.pruneExpired(nowMs, trx);
      });
      return {};
    },

    async getCurrentUser(_request, ctx) {
      const caller = callerOf(ctx);
      return { userId: caller.id, email: caller.email };
    },

    async validateToken(_request, ctx) {
      const caller = callerOf(ctx);
      return { userId: caller.id, email: caller.email, expiresAt: caller.claims.expiresAt };
    },

    async updateCredentials(request, ctx) {
      const input = parseOrThrow(updateInput, request);
      ctx.trace.setAttribute('enduser.id', input.userId);
      await credentials.updateEmail(input.userId, input.email, unixSeconds());
      return {};
    },

    async deleteCredentials(request, ctx) {
      const input = parseOrThrow(deleteInput, request);
      ctx.trace.setAttribute('enduser.id', input.userId);
      await credentials.delete(input.userId);
      return {};
    },
  };
}

/** The grpc-js implementation of auth.v1.AuthService: traced, logged and error-mapped. */
export function createAuthService(deps: AuthServiceDeps, logger: Logger, faults?: FaultPlan): UntypedServiceImplementation {
  return implement<AuthServiceServer, AuthCaller>(AuthServiceService, createAuthHandlers(deps, logger), {
    service: AUTH_SERVICE_NAME,
    logger,
    faults,
    authenticate: (ctx) => authenticateLocally(ctx, deps),
    attributes: (operation) => ({ 'auth.method': authMethodOf(operation) }),
  });
}
