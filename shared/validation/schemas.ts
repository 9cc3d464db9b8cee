import { z } from 'zod';
import { invalid } from '../errors/app-error';

// The field rules, written once: the gateway's tRPC inputs and the services' own checks (which
// also guard direct gRPC callers such as ghz) use the same schemas. Maximum lengths are checked
// before trimming, so a value longer than the documented maxLength is refused even when it is
// mostly spaces (the OpenAPI document states the limits of what is sent, not of what is kept).

/** The largest value of a protobuf int32: what the contracts' integer fields can carry. */
export const INT32_MAX = 2_147_483_647;

/** An email address, trimmed and lower-cased (emails are unique case-insensitively). */
export const email = z.string().max(254, 'must be at most 254 characters').trim().pipe(z.email('must be an email address')).transform((v) => v.toLowerCase());

// JSON Schema's minLength counts code points, zod's min() UTF-16 units: four emoji are 8 units
// but 4 characters. Counted as characters, a password the document calls too short is too short here.
const codePoints = (value: string) => [...value].length;

/** A password: 8 to 128 characters, no composition rules (OWASP ASVS 5.0). */
export const password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters')
  .refine((value) => codePoints(value) >= 8, 'must be at least 8 characters');

// C0 and C1 controls (NUL, escape sequences, line breaks) have no place in a display name, and
// PostgreSQL cannot store NUL in text at all. Spelled as ranges so the pattern in the OpenAPI
// document means the same to every regex engine.
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/** A display name: 1 to 100 characters after trimming, no control characters. */
export const name = z
  .string()
  .max(100, 'must be at most 100 characters')
  .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters')
  .trim()
  .min(1, 'must not be empty');

/** A record's id: a UUID, as every service generates them. */
export const recordId = z.uuid('must be a UUID');

/** A user id (UUID). */
export const userId = recordId;

/** A role. */
export const role = z.enum(['user', 'admin'], { message: 'must be "user" or "admin"' });

/** Page size 1..100. */
export const limit = z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100');

/** Page offset 0..INT32_MAX (ListUsersRequest.offset is an int32). */
export const offset = z.number().int('must be a whole number').min(0, 'must be at least 0').max(INT32_MAX, `must be at most ${INT32_MAX}`);

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
