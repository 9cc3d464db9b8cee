import { TRPCError } from '@trpc/server';
import type { QueryKind, QueryParameter } from './query-parameters';

/** The parts of an express request a procedure input is built from. */
export interface RequestParts {
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
  body: unknown;
}

/** Where a route's input comes from, its query parameters typed (see `queryParameters`). */
export interface InputSources {
  /** Path parameters, copied under the same name (they win over body fields and query parameters). */
  params?: readonly string[];
  /** Query parameters, each converted from text as its kind says. */
  query?: readonly Pick<QueryParameter, 'name' | 'kind'>[];
  /** Whether the JSON body (an object) is the rest of the input. */
  body?: boolean;
}

const badRequest = (message: string) => new TRPCError({ code: 'BAD_REQUEST', message });

// Digits only, optionally negative (so `-1` reaches the schema and gets its range message):
// "1.5", "1e3", "0x10", " 7" and "" are not whole numbers, whatever Number() would make of them.
const WHOLE_NUMBER = /^-?\d+$/;
// The same, with an optional fraction: no exponent, hex, spaces, Infinity or NaN.
const DECIMAL_NUMBER = /^-?\d+(\.\d+)?$/;

/** The value of query parameter text `raw` of `kind`, or the message saying why it is not one. */
function fromText(raw: string, kind: QueryKind): { value: unknown } | { message: string } {
  switch (kind) {
    case 'string':
      return { value: raw };
    case 'integer':
      return WHOLE_NUMBER.test(raw) ? { value: Number(raw) } : { message: 'must be a whole number' };
    case 'number':
      return DECIMAL_NUMBER.test(raw) ? { value: Number(raw) } : { message: 'must be a number' };
    case 'boolean':
      // Exactly these two words: `"false"` is not true, and "0", "yes" or "" are no answer.
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
      return { message: 'must be true or false' };
  }
}

/**
 * Parses query parameter `name` as `kind` says (a string is passed on as is, for the schema to
 * check); undefined when absent, so the schema's default applies. Throws BAD_REQUEST naming it.
 */
export function queryParam(query: Record<string, unknown>, name: string, kind: QueryKind): unknown {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw badRequest(`${name}: must be given once`);
  const parsed = fromText(raw, kind);
  if ('message' in parsed) throw badRequest(`${name}: ${parsed.message}`);
  return parsed.value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Builds a procedure's input from a request as a route describes it: body fields, then query
 * parameters, then path parameters. Only the conversion from text happens here; the procedure's
 * own zod schema does all validation, exactly as for `/trpc`.
 */
export function buildInput(sources: InputSources, req: RequestParts): Record<string, unknown> | undefined {
  if (!sources.body && !sources.params?.length && !sources.query?.length) return undefined;
  const input: Record<string, unknown> = {};
  if (sources.body && req.body !== undefined) {
    if (!isPlainObject(req.body)) throw badRequest('body: must be a JSON object');
    Object.assign(input, req.body);
  }
  for (const { name, kind } of sources.query ?? []) {
    const value = queryParam(req.query, name, kind);
    if (value !== undefined) input[name] = value;
  }
  for (const name of sources.params ?? []) input[name] = req.params[name];
  return input;
}
