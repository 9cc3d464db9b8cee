import type { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { firstIssue } from '../../shared/validation/schemas';

// zod's wording for a missing field; callers read "email: is required" more easily.
const MISSING = /received undefined$/;

/** `field: problem` for the first issue of a zod error, e.g. `email: must be an email address`. */
export function describeZodError(error: z.core.$ZodError): string {
  const { field, message } = firstIssue(error as z.ZodError);
  const issue = error.issues[0];
  const problem = issue?.code === 'invalid_type' && MISSING.test(message) ? 'is required' : message;
  return `${field}: ${problem}`;
}

/**
 * The message a caller may see for `error`, for tRPC and REST responses alike: input errors name
 * the field, INTERNAL_SERVER_ERROR is always `internal error` (tRPC wraps any thrown Error into
 * one, keeping its possibly revealing message), anything else is the message as raised.
 */
export function publicMessage(error: TRPCError): string {
  if (error.cause instanceof z.core.$ZodError) return describeZodError(error.cause);
  if (error.code === 'INTERNAL_SERVER_ERROR') return 'internal error';
  return error.message;
}
