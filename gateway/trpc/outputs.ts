import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { TokenPair } from '../../gen/auth/v1/auth';
import type { User } from '../../gen/user/v1/user';

// Procedure outputs. Resolvers are typed to return these shapes, and the OpenAPI document
// describes responses with them; they are not re-validated at runtime.

/** A user as the gateway returns it. */
export const userOutput = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  createdAt: z.string().describe('RFC 3339, UTC'),
  updatedAt: z.string().describe('RFC 3339, UTC'),
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

/** `auth.me`, `users.get`, `users.update`. */
export const userEnvelopeOutput = z.object({ user: userOutput });

/** `users.list`. */
export const userListOutput = z.object({
  users: z.array(userOutput),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** A user returned by the user service, as output; a response without one is a service bug. */
export function toUserOutput(user: User | undefined): z.output<typeof userOutput> {
  if (!user) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'user service sent no user' });
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
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
