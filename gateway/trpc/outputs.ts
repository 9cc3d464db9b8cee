import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { TokenPair } from '../../gen/auth/v1/auth';
import type { User } from '../../gen/user/v1/user';

// Procedure outputs. Resolvers are typed to return these shapes, and the OpenAPI document
// describes responses with them; they are not re-validated at runtime.

/**
 * A whole user: what the user themself gets (register, `auth.me`, an update), and an admin for
 * anyone.
 */
export const userOutput = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string().describe('"user" or "admin"'),
  createdAt: z.string().describe('RFC 3339, UTC'),
  updatedAt: z.string().describe('RFC 3339, UTC'),
});

/**
 * A user as `users.get` and `users.list` return it: `email` and `role` only for the caller
 * themself and, for an admin, for everyone. The user service leaves them out of anyone else's
 * profile; the gateway passes on what it gets.
 */
export const visibleUserOutput = userOutput.extend({
  email: z.string().optional().describe('only to the user themself and to admins'),
  role: z.string().optional().describe('"user" or "admin"; only to the user themself and to admins'),
});

/** An access and refresh token pair. */
export const tokenPairOutput = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('access token lifetime in seconds'),
});

/** `auth.register`: the new user and their first token pair. */
export const registerOutput = tokenPairOutput.extend({ user: userOutput });

/** `auth.me`, `users.update`: the caller's own profile, or one an admin changed. */
export const userEnvelopeOutput = z.object({ user: userOutput });

/** `users.get`. */
export const visibleUserEnvelopeOutput = z.object({ user: visibleUserOutput });

/** `users.list`. */
export const userListOutput = z.object({
  users: z.array(visibleUserOutput),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** A user returned by the user service, as output, with what the service let the caller see. */
export function toVisibleUserOutput(user: User | undefined): z.output<typeof visibleUserOutput> {
  if (!user) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'user service sent no user' });
  return {
    id: user.id,
    ...(user.email !== undefined && { email: user.email }),
    name: user.name,
    ...(user.role !== undefined && { role: user.role }),
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/**
 * A whole user returned by the user service (the caller's own, or one an admin changed), as
 * output; a response without one, or without its email or role, is a service bug.
 */
export function toUserOutput(user: User | undefined): z.output<typeof userOutput> {
  const visible = toVisibleUserOutput(user);
  if (visible.email === undefined || visible.role === undefined) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'user service sent a partial user' });
  }
  return { ...visible, email: visible.email, role: visible.role };
}

/** A token pair returned by the auth service, as output; a response without one is a service bug. */
export function toTokenPairOutput(tokens: TokenPair | undefined): z.output<typeof tokenPairOutput> {
  if (!tokens) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'service sent no tokens' });
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: 'Bearer',
    expiresIn: tokens.expiresIn,
  };
}
