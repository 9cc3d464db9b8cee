// Hand-made protobuf bytes for tests that send what no generated encoder would: wrong wire types,
// out-of-range varints, truncated values.

/** Protobuf wire types. */
export const WIRE = { varint: 0, i64: 1, len: 2, startGroup: 3, endGroup: 4, i32: 5 } as const;

/** A varint of the unsigned 64-bit value `value` (negative numbers are sent as their two's complement). */
export function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 2n ** 64n;
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

/** The tag of field `number` with wire type `wire`. */
export function tag(number: number, wire: number): number[] {
  return varint((BigInt(number) << 3n) | BigInt(wire));
}

/** Field `number` as a length-delimited value (a string as UTF-8, or raw bytes). */
export function lengthDelimited(number: number, value: string | Uint8Array | number[]): number[] {
  const bytes = typeof value === 'string' ? [...Buffer.from(value, 'utf8')] : [...value];
  return [...tag(number, WIRE.len), ...varint(bytes.length), ...bytes];
}

/** Field `number` as a varint. */
export function varintField(number: number, value: bigint | number): number[] {
  return [...tag(number, WIRE.varint), ...varint(value)];
}

/** Concatenates encoded pieces into one buffer. */
export function bytes(...parts: Array<number[] | Uint8Array>): Buffer {
  return Buffer.from(parts.flatMap((p) => [...p]));
}
