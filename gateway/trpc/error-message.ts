import type { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { firstIssue } from '../../shared/validation/schemas';

/** What a body that is not JSON gets (415), on REST and on `/trpc`. */
export const NOT_JSON_BODY = 'body: must be JSON, sent with Content-Type application/json';

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
 * one, keeping its possibly revealing message), a body that is not JSON is {@link NOT_JSON_BODY},
 * anything else is the message as raised.
 */
export function publicMessage(error: TRPCError): string {
  if (error.cause instanceof z.core.$ZodError) return describeZodError(error.cause);
  if (error.code === 'INTERNAL_SERVER_ERROR') return 'internal error';
  // tRPC's own wording for these ("Unsupported content-type \"text/plain", "Missing content-type
  // header") says less than the REST answer does; one message for both. The gateway's own body
  // refusals (`body: ...`, read-request.ts) already say what REST says.
  if (error.code === 'UNSUPPORTED_MEDIA_TYPE' && !error.message.startsWith('body: ')) return NOT_JSON_BODY;
  return error.message;
}
