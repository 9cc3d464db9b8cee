import { AppError } from '../../shared/errors/app-error';
import { bearerUserId } from '../../shared/grpc/auth-service';
import type { HandlerContext } from '../../shared/grpc/handler';
import type { AuthApi } from './auth-client';
import type { Caller } from './authorize';
import type { UserRepository } from './user-repository';

/**
 * Identifies the caller of an RPC: the bearer token is checked by the auth service
 * ({@link bearerUserId}), and the role is read from this service's database, because roles live
 * here and the token does not carry one. implement() runs it before every UserService RPC its
 * contract does not mark public (the `authenticate` option); handlers read the result as `ctx.caller`.
 */
export async function authenticate(ctx: HandlerContext<Caller>, auth: AuthApi, users: UserRepository): Promise<Caller> {
  const userId = await bearerUserId(ctx, auth);
  ctx.trace.setAttribute('enduser.id', userId);
  const row = await users.findById(userId);
  // A valid token for a deleted profile (e.g. a delete racing a request) identifies no one.
  if (!row) throw new AppError('UNAUTHENTICATED', 'user no longer exists');
  return { id: row.id, role: row.role };
}
