import type { User } from '../../gen/user/v1/user';
import { AppError } from '../../shared/errors/app-error';
import type { Role } from './db/schema';

/** The authenticated caller of an RPC: the token's user id and the role stored for it here. */
export interface Caller {
  id: string;
  role: Role;
}

/** True if `caller` may change or delete the user `targetId`: that user themself or an admin. */
export function mayModify(caller: Caller, targetId: string): boolean {
  return caller.id === targetId || caller.role === 'admin';
}

/**
 * `user` as `caller` may see it: whole to that user themself and to an admin; to anyone else
 * only the public fields (id, name, created and updated times), without email and role. Every
 * RPC that returns someone else's profile passes it through here, so gRPC callers get the same
 * answer as the gateway's.
 */
export function visibleTo(caller: Caller, user: User): User {
  if (caller.id === user.id || caller.role === 'admin') return user;
  const { email: _email, role: _role, ...publicFields } = user;
  return publicFields;
}

/** Throws PERMISSION_DENIED unless `caller` may change or delete the user `targetId`. */
export function assertMayModify(caller: Caller, targetId: string, action: 'update' | 'delete'): void {
  if (!mayModify(caller, targetId)) {
    throw new AppError('PERMISSION_DENIED', `only the user or an admin may ${action} this user`);
  }
}

/**
 * Throws PERMISSION_DENIED unless `caller` may set roles (admins only). Any request carrying a
 * role counts, even one naming the current role: the rule is simpler to state and to audit.
 */
export function assertMaySetRole(caller: Caller): void {
  if (caller.role !== 'admin') throw new AppError('PERMISSION_DENIED', 'only an admin may change a role');
}

/** The role a newly registered user gets: admin if their email is in ADMIN_EMAILS. */
export function roleForNewUser(email: string, adminEmails: ReadonlySet<string>): Role {
  return adminEmails.has(email) ? 'admin' : 'user';
}
