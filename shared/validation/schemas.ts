import { z } from 'zod';
import { invalid } from '../errors/app-error';

// The field rules, written once: the gateway's tRPC inputs and the services' own checks (which
// also guard direct gRPC callers such as ghz) use the same schemas.

/** An email address, trimmed and lower-cased (emails are unique case-insensitively). */
export const email = z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be an email address')).transform((v) => v.toLowerCase());

/** A password: 8 to 128 characters, no composition rules (OWASP ASVS 5.0). */
export const password = z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters');

/** A display name: 1 to 100 characters after trimming. */
export const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** A user id (UUID). */
export const userId = z.uuid('must be a UUID');

/** A role. */
export const role = z.enum(['user', 'admin'], { message: 'must be "user" or "admin"' });

/** Page size 1..100. */
export const limit = z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100');

/** Page offset >= 0. */
export const offset = z.number().int('must be a whole number').min(0, 'must be at least 0');

/** An opaque refresh token as issued (base64url). */
export const refreshToken = z.string().min(1, 'is required').max(512, 'is too long');

/** The first zod issue as the field it names (`path.to.field`, or `input`) and its message. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : 'input';
  return { field, message: issue?.message ?? 'invalid' };
}

/** Parses `value` or throws INVALID_ARGUMENT naming the first bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = firstIssue(result.error);
  throw invalid(field, message);
}
