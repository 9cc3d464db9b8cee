import { z } from 'zod';

/** A JSON Schema object (as zod emits it). */
export type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

/** The few zod definition fields {@link keepPipeFormat} reads. */
interface LooseDef {
  type: string;
  out?: { _zod: { def: LooseDef } };
  format?: unknown;
}

// With io "input", a pipe is described by its input side, so the shared email rule (trim, then
// pipe into z.email()) would lose its `format`. Carry a string format over from the output side.
function keepPipeFormat(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: Record<string, unknown> }): void {
  let def = ctx.zodSchema._zod.def as LooseDef;
  if (def.type !== 'pipe' || ctx.jsonSchema.format !== undefined) return;
  while (def.type === 'pipe' && def.out) def = def.out._zod.def;
  if (def.type === 'string' && typeof def.format === 'string') ctx.jsonSchema.format = def.format;
}

/** JSON Schema of a zod schema as a request (`input`) or response (`output`) body. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, override: keepPipeFormat }) as JsonSchema;
  return json;
}
