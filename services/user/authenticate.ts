import { AppError } from '../../shared/errors/app-error';
import type { HandlerContext } from '../../shared/grpc/handler';
import { bearerToken } from '../../shared/grpc/metadata';
import type { AuthApi } from './auth-client';
import type { Caller } from './authorize';
import type { UserRepository } from './user-repository';

/**
 * Identifies the caller of an RPC: the bearer token in `authorization` metadata is checked by the
 * auth service (its errors pass through), and the role is read from this service's database,
 * because roles live here and the token does not carry one. implement() runs it before every
 * UserService RPC its contract does not mark public (the `authenticate` option); handlers read
 * the result as `ctx.caller`.
 */
export async function authenticate(ctx: HandlerContext<Caller>, auth: AuthApi, users: UserRepository): Promise<Caller> {
  const token = bearerToken(ctx.metadata);
  if (!token) throw new AppError('UNAUTHENTICATED', 'missing bearer token');
  const { userId } = await auth.validateToken(token, ctx);
  ctx.trace.setAttribute('enduser.id', userId);
  const row = await users.findById(userId);
  // A valid token for a deleted profile (e.g. a delete racing a request) identifies no one.
  if (!row) throw new AppError('UNAUTHENTICATED', 'user no longer exists');
  return { id: row.id, role: row.role };
}
