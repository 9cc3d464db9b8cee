import crypto from 'node:crypto';
import { ScalarType, type DescField } from '@bufbuild/protobuf';
import type { z } from 'zod';
import { toJsonSchema, type JsonSchema } from '../../gateway/rest/json-schema';
import { procedureSchemas } from '../../gateway/trpc/app-router';
import * as sharedRules from '../../shared/validation/schemas';

// A valid value for a field, found from its rules instead of written by hand: the rule's JSON
// Schema (type, enum, format, lengths, range) suggests candidates, and the rule itself picks the
// first it accepts. Candidates are fresh per call (UUIDs, emails), so a request that got through
// by mistake acts on nobody. A field's rules are those the project validates it with: the field of
// that name in every tRPC procedure input, and the shared rule of that name
// (shared/validation/schemas.ts), which the services check with too.

/** The zod schema inside optional, default, prefault, nullable and pipe wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch'].includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** The fields of an object schema (through its wrappers); undefined for anything else. */
export function objectShapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrapped(schema) as z.ZodType & { shape?: Record<string, z.ZodType> };
  return inner._zod.def.type === 'object' ? inner.shape : undefined;
}

const isZod = (value: unknown): value is z.ZodType => typeof value === 'object' && value !== null && '_zod' in value && 'safeParse' in value;

/** Every rule the project validates a field called `name` with (see the comment at the top). */
export function fieldRules(name: string): z.ZodType[] {
  const rules = Object.values(procedureSchemas).flatMap(({ input }) => {
    const rule = input && objectShapeOf(input)?.[name];
    return rule ? [rule] : [];
  });
  const shared = (sharedRules as Record<string, unknown>)[name];
  if (isZod(shared)) rules.push(shared);
  return rules;
}

/** `text` made `min` to `max` characters long, by repeating its last character or cutting it. */
function fitted(text: string, min = 0, max = Infinity): string {
  const long = text.length >= min ? text : text + text.slice(-1).repeat(min - text.length);
  return long.slice(0, Math.max(min, Math.min(max, long.length)));
}

/** Values the JSON Schema `json` suggests, most likely first. */
function candidates(json: JsonSchema): unknown[] {
  if ('const' in json) return [json.const];
  if (Array.isArray(json.enum)) return json.enum;
  const num = (key: string) => (typeof json[key] === 'number' ? (json[key] as number) : undefined);
  switch (json.type) {
    case 'boolean':
      return [true, false];
    case 'integer':
    case 'number': {
      const low = num('minimum') ?? (num('exclusiveMinimum') !== undefined ? Math.floor(num('exclusiveMinimum')!) + 1 : undefined);
      const high = num('maximum') ?? (num('exclusiveMaximum') !== undefined ? Math.ceil(num('exclusiveMaximum')!) - 1 : undefined);
      return [Math.min(Math.max(1, low ?? 1), high ?? Infinity), low, high, 0].filter((v) => v !== undefined);
    }
    case 'string': {
      const [min, max] = [num('minLength'), num('maxLength')];
      const email = `valid-${crypto.randomUUID()}@example.com`;
      const byFormat: Record<string, string> = {
        email,
        uuid: crypto.randomUUID(),
        'date-time': new Date().toISOString(),
        date: new Date().toISOString().slice(0, 10),
        uri: 'https://example.com/',
        url: 'https://example.com/',
      };
      const format = typeof json.format === 'string' ? byFormat[json.format] : undefined;
      const words = ['Valid', 'valid', 'VALID', '1', 'a1'].map((w) => fitted(w, min, max));
      return [...(format === undefined ? [] : [format]), ...words, crypto.randomUUID(), email];
    }
    case 'array':
      return [[]];
    case 'object': {
      // Each property's likeliest value; the rule as a whole then says whether the object passes.
      const properties = Object.entries(json.properties ?? {}).map(([name, property]) => [name, candidates(property)[0]] as const);
      return [Object.fromEntries(properties.filter(([, value]) => value !== undefined))];
    }
    default:
      return [];
  }
}

/**
 * A value every one of `rules` accepts, from candidates each rule's JSON Schema suggests; undefined
 * when none passes them all (say a pattern no candidate matches), or there is no rule.
 */
export function validValueOf(rules: readonly z.ZodType[]): unknown {
  for (const rule of rules) {
    for (const value of candidates(toJsonSchema(rule, 'input'))) {
      if (rules.every((r) => r.safeParse(value).success)) return value;
    }
  }
  return undefined;
}

/**
 * An input an object schema (a procedure's input) accepts: a valid value for each field, or for
 * each it cannot do without (`required`). Undefined for a schema that is not an object; throws
 * naming a field it finds no value for.
 */
export function validInputOf(schema: z.ZodType, fields: 'all' | 'required'): Record<string, unknown> | undefined {
  const shape = objectShapeOf(schema);
  if (!shape) return undefined;
  const input: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(shape)) {
    if (fields === 'required' && rule.safeParse(undefined).success) continue;
    const value = validValueOf([rule, ...fieldRules(name)]);
    if (value === undefined) throw new Error(`no valid value for field ${name}: none of the candidates passes its rules`);
    input[name] = value;
  }
  return input;
}

const INTEGERS_64: readonly ScalarType[] = [ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64];

/**
 * A valid value for a field of a gRPC request: from the field's rules ({@link fieldRules}), else
 * from its type where the type alone says (a boolean, a number, an enum's first named value);
 * undefined when neither does (a string, bytes or a message with no rule), so a hand-written value
 * is needed.
 */
export function validFieldValue(field: DescField): unknown {
  const rules = fieldRules(field.localName);
  if (rules.length > 0) return validValueOf(rules);
  if (field.fieldKind === 'enum') return (field.enum.values.find((v) => v.number !== 0) ?? field.enum.values[0])?.number;
  if (field.fieldKind !== 'scalar') return undefined;
  if (field.scalar === ScalarType.BOOL) return true;
  if (INTEGERS_64.includes(field.scalar)) return 1n;
  if (field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES) return undefined;
  return 1;
}
