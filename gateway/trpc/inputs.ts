import { z } from 'zod';
import { email, limit, name, offset, password, refreshToken, role, userId } from '../../shared/validation/schemas';

// Procedure inputs, composed from the shared field rules. They are never coerced: the REST layer
// turns query strings into numbers itself, so `/trpc` and REST accept exactly the same values.

/** `auth.register`. */
export const registerInput = z.object({ email, password, name });

/** `auth.login`. */
export const loginInput = z.object({ email, password });

/** `auth.refresh` and `auth.logout`. */
export const refreshTokenInput = z.object({ refreshToken });

/** `users.list`: both fields optional; the input itself may be omitted. */
export const listUsersInput = z.object({ limit: limit.default(20), offset: offset.default(0) }).prefault({});

/** `users.get` and `users.delete`. */
export const userIdInput = z.object({ id: userId });

/** `users.update`: the id plus any fields to change. */
export const updateUserInput = z.object({
  id: userId,
  name: name.optional(),
  email: email.optional(),
  role: role.optional(),
});
