import { TRPCError } from '@trpc/server';
import type { RouteInput } from './routes';

/** The parts of an express request a procedure input is built from. */
export interface RequestParts {
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
  body: unknown;
}

const badRequest = (message: string) => new TRPCError({ code: 'BAD_REQUEST', message });

// Digits only, optionally negative (so `-1` reaches the schema and gets its range message):
// "1.5", "1e3", "0x10", " 7" and "" are not whole numbers, whatever Number() would make of them.
const WHOLE_NUMBER = /^-?\d+$/;

/** Parses query parameter `name` as a whole number; undefined when absent. */
export function integerQueryParam(query: Record<string, unknown>, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw badRequest(`${name}: must be given once`);
  if (!WHOLE_NUMBER.test(raw)) throw badRequest(`${name}: must be a whole number`);
  return Number(raw);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Builds a procedure's input from a request as a route describes it: body fields, then whole-number
 * query parameters, then path parameters. Only the conversion from text happens here; the
 * procedure's own zod schema does all validation, exactly as for `/trpc`.
 */
export function buildInput(sources: RouteInput, req: RequestParts): Record<string, unknown> | undefined {
  if (!sources.body && !sources.params?.length && !sources.integerQuery?.length) return undefined;
  const input: Record<string, unknown> = {};
  if (sources.body && req.body !== undefined) {
    if (!isPlainObject(req.body)) throw badRequest('body: must be a JSON object');
    Object.assign(input, req.body);
  }
  for (const name of sources.integerQuery ?? []) {
    const value = integerQueryParam(req.query, name);
    if (value !== undefined) input[name] = value;
  }
  for (const name of sources.params ?? []) input[name] = req.params[name];
  return input;
}
