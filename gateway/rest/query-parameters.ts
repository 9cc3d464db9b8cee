import type { z } from 'zod';
import { toJsonSchema, type JsonSchema } from './json-schema';
import type { RestRoute } from './routes';

/**
 * How a query parameter's text becomes the value its procedure's input expects. An enum or a
 * literal is a `string` here: its text is passed on as is, and the input schema checks it.
 */
export type QueryKind = 'string' | 'integer' | 'number' | 'boolean';

/** A query parameter a route names, typed from its procedure's input schema. */
export interface QueryParameter {
  name: string;
  kind: QueryKind;
  /** The input needs it (it has no default and is not optional). */
  required: boolean;
  /** Its JSON Schema as a field of the procedure's input, for /openapi.json. */
  schema: JsonSchema;
}

/** The kind of a field described by `schema`; undefined when a query string cannot carry it (an array, an object, a union). */
export function queryKindOf(schema: JsonSchema): QueryKind | undefined {
  if (Array.isArray(schema.enum)) return schema.enum.every((v) => typeof v === 'string') ? 'string' : undefined;
  const type = schema.type;
  return type === 'string' || type === 'integer' || type === 'number' || type === 'boolean' ? type : undefined;
}

/**
 * The query parameters `route` names, each typed from `input` (its procedure's input schema), so a
 * row names a parameter and nothing more. Throws, naming the route and the parameter, when the
 * input has no such field or one a query string cannot carry: the gateway then fails at start,
 * not on the first request.
 */
export function queryParameters(route: RestRoute, input: z.ZodType | undefined): QueryParameter[] {
  const names = route.input.query ?? [];
  if (names.length === 0) return [];
  const json = input ? toJsonSchema(input, 'input') : {};
  const required = new Set(json.required ?? []);
  return names.map((name) => {
    const where = `${route.method.toUpperCase()} ${route.path}: query parameter ${name}`;
    const schema = json.properties?.[name];
    if (!schema) throw new Error(`${where} is not a field of the input of ${route.procedure}`);
    const kind = queryKindOf(schema);
    if (!kind) throw new Error(`${where} is not a string, enum, integer, number or boolean in the input of ${route.procedure}`);
    return { name, kind, required: required.has(name), schema };
  });
}
