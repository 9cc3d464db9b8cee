import { isUtf8 } from 'node:buffer';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { AppError, invalid } from '../errors/app-error';

// The generated decoders (ts-proto) are lenient the way protobuf runtimes usually are: a field sent
// with the wrong wire type is skipped (so `limit` as a string silently becomes 0, the default), an
// int32 varint beyond 32 bits is truncated, invalid UTF-8 becomes U+FFFD, and bytes that do not
// parse at all throw. This check runs first, against the contract's own descriptors, so a request
// either is what the .proto says or is refused naming the field.

/** Wire types (the low three bits of a tag). */
const enum Wire {
  Varint = 0,
  I64 = 1,
  Len = 2,
  StartGroup = 3,
  EndGroup = 4,
  I32 = 5,
}

const WIRE_NAMES = ['a varint', 'a 64-bit value', 'a length-delimited value', 'a group', 'an end-group tag', 'a 32-bit value'];

/** What one field (or one list element, map key or map value) holds. */
type Expected = { kind: 'scalar'; scalar: ScalarType } | { kind: 'enum' } | { kind: 'message'; message: DescMessage };

// Deeper than any contract nests; a request that claims more is not worth following.
const MAX_DEPTH = 32;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const TWO_POW_63 = 2n ** 63n;
const TWO_POW_64 = 2n ** 64n;

/** A varint's value: a number while it fits 49 bits (every tag and length does), else a bigint. */
type Varint = number | bigint;

/** A request whose bytes do not even parse: no field can be named. */
const undecodable = (problem: string) => invalid('request', `not a valid protobuf message (${problem})`);

/**
 * Checks that `bytes` is a well-formed encoding of `desc`: every known field has the wire type its
 * declared type needs, integers fit their type, strings are UTF-8, nothing runs past its end.
 * Unknown fields are skipped, as proto3 requires. Throws INVALID_ARGUMENT naming the field
 * (`limit: out of range for int32`), or `request: ...` when the bytes do not parse at all.
 */
export function checkWireFormat(desc: DescMessage, bytes: Uint8Array): void {
  checkMessage(desc, { buf: bytes, pos: 0 }, bytes.length, '', 0);
}

/** The bytes being checked and the position reached. */
interface Cursor {
  buf: Uint8Array;
  pos: number;
}

// Paths name fields as the handlers' validation does (`userId`, `tokens.accessToken`); the empty
// path is the request itself, where a problem means the bytes do not parse.
function checkMessage(desc: DescMessage, at: Cursor, end: number, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw undecodable('nested too deeply');
  const fields = fieldsByNumber(desc);
  while (at.pos < end) {
    const [number, wire] = readTag(at, end, path);
    const field = fields.get(number);
    if (!field) {
      skip(at, end, wire, number, path, depth);
      continue;
    }
    checkField(field, wire, at, end, path ? `${path}.${field.jsonName}` : field.jsonName, depth);
  }
}

function checkField(field: DescField, wire: number, at: Cursor, end: number, path: string, depth: number): void {
  switch (field.fieldKind) {
    case 'scalar':
      return checkValue({ kind: 'scalar', scalar: field.scalar }, wire, at, end, path, depth);
    case 'enum':
      return checkValue({ kind: 'enum' }, wire, at, end, path, depth);
    case 'message':
      return checkValue({ kind: 'message', message: field.message }, wire, at, end, path, depth);
    case 'list': {
      const element = contentsOf(field.listKind, field.scalar, field.message);
      const elementWire = wireOf(element);
      // Numbers may come packed (one length-delimited run) whatever the descriptor prefers.
      if (wire === Wire.Len && elementWire !== Wire.Len) {
        const runEnd = readLengthEnd(at, end, path);
        while (at.pos < runEnd) checkValue(element, elementWire, at, runEnd, path, depth);
        return;
      }
      return checkValue(element, wire, at, end, path, depth);
    }
    case 'map': {
      const value = contentsOf(field.mapKind, field.scalar, field.message);
      if (wire !== Wire.Len) throw invalid(path, `must be a map entry (${WIRE_NAMES[Wire.Len]}), got ${WIRE_NAMES[wire]}`);
      const entryEnd = readLengthEnd(at, end, path);
      while (at.pos < entryEnd) {
        const [number, entryWire] = readTag(at, entryEnd, path);
        if (number === 1) checkValue({ kind: 'scalar', scalar: field.mapKey }, entryWire, at, entryEnd, `${path}.key`, depth);
        else if (number === 2) checkValue(value, entryWire, at, entryEnd, `${path}.value`, depth);
        else skip(at, entryEnd, entryWire, number, path, depth);
      }
      return;
    }
  }
}

/** What a list's elements or a map's values hold (protobuf-es sets `scalar` or `message` to match the kind). */
function contentsOf(kind: 'scalar' | 'enum' | 'message', scalar: ScalarType | undefined, message: DescMessage | undefined): Expected {
  if (kind === 'scalar') return { kind, scalar: scalar! };
  if (kind === 'enum') return { kind };
  return { kind, message: message! };
}

/** Checks one value of an expected type, starting at its first byte after the tag. */
function checkValue(expected: Expected, wire: number, at: Cursor, end: number, path: string, depth: number): void {
  const want = wireOf(expected);
  if (wire !== want) throw invalid(path, `must be ${typeName(expected)} (${WIRE_NAMES[want]}), got ${WIRE_NAMES[wire] ?? `wire type ${wire}`}`);
  switch (want) {
    case Wire.Varint: {
      const value = readVarint(at, end, path);
      const range = rangeOf(expected);
      if (range && !range(value)) throw invalid(path, `out of range for ${typeName(expected).replace(/^an? /, '')}`);
      return;
    }
    case Wire.I32:
    case Wire.I64:
      return advance(at, end, want === Wire.I32 ? 4 : 8, path);
    case Wire.Len: {
      const valueEnd = readLengthEnd(at, end, path);
      if (expected.kind === 'message') {
        checkMessage(expected.message, at, valueEnd, path, depth + 1);
      } else if (expected.kind === 'scalar' && expected.scalar === ScalarType.STRING) {
        if (!isUtf8(at.buf.subarray(at.pos, valueEnd))) throw invalid(path, 'must be valid UTF-8');
      }
      at.pos = valueEnd;
      return;
    }
  }
}

function wireOf(expected: Expected): Wire {
  if (expected.kind !== 'scalar') return expected.kind === 'enum' ? Wire.Varint : Wire.Len;
  switch (expected.scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return Wire.Len;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return Wire.I32;
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
    case ScalarType.DOUBLE:
      return Wire.I64;
    default:
      return Wire.Varint;
  }
}

function typeName(expected: Expected): string {
  if (expected.kind === 'enum') return 'an enum';
  if (expected.kind === 'message') return `a ${expected.message.name} message`;
  const name = ScalarType[expected.scalar].toLowerCase();
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

const fieldMaps = new WeakMap<DescMessage, Map<number, DescField>>();

/** A message's fields by number, made once per message type (this runs on every request). */
function fieldsByNumber(desc: DescMessage): Map<number, DescField> {
  let fields = fieldMaps.get(desc);
  if (!fields) {
    fields = new Map(desc.fields.map((f) => [f.number, f]));
    fieldMaps.set(desc, fields);
  }
  return fields;
}

/** The values a varint of this type may hold (as the unsigned 64 bits on the wire); undefined: any. */
function rangeOf(expected: Expected): ((raw: Varint) => boolean) | undefined {
  const signed = (raw: Varint) => (typeof raw === 'bigint' && raw >= TWO_POW_63 ? raw - TWO_POW_64 : raw);
  if (expected.kind === 'enum') return (raw) => signed(raw) >= INT32_MIN && signed(raw) <= INT32_MAX;
  if (expected.kind !== 'scalar') return undefined;
  switch (expected.scalar) {
    case ScalarType.INT32:
      // Negative int32s are sent sign-extended to 64 bits.
      return (raw) => signed(raw) >= INT32_MIN && signed(raw) <= INT32_MAX;
    case ScalarType.UINT32:
    case ScalarType.SINT32:
      return (raw) => raw <= UINT32_MAX;
    default:
      return undefined;
  }
}

/** A field's tag: its number and wire type (an end-group tag is refused: no group is open). */
function readTag(at: Cursor, end: number, path: string): [number, number] {
  const [number, wire] = readAnyTag(at, end, path);
  if (wire === Wire.EndGroup) throw undecodable('end-group tag without a group');
  return [number, wire];
}

/** A tag of any wire type, end-group included. */
function readAnyTag(at: Cursor, end: number, path: string): [number, number] {
  const tag = readVarint(at, end, path);
  if (typeof tag === 'bigint' || tag > UINT32_MAX) throw undecodable(`bad tag ${tag}`);
  const number = Math.floor(tag / 8);
  const wire = tag % 8;
  if (number === 0 || wire > Wire.I32) throw undecodable(`bad tag ${tag}`);
  return [number, wire];
}

/** A varint of at most 10 bytes (64 bits), as the unsigned value on the wire. */
function readVarint(at: Cursor, end: number, path: string): Varint {
  // Seven bytes (49 bits) add up exactly in a double; only longer varints (negative int32s, large
  // int64s) need a bigint.
  let value = 0;
  for (let i = 0; i < 7; i++) {
    if (at.pos >= end) throw truncated(path);
    const byte = at.buf[at.pos++]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  let big = BigInt(value);
  for (let i = 7; i < 10; i++) {
    if (at.pos >= end) throw truncated(path);
    const byte = at.buf[at.pos++]!;
    big |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      if (i === 9 && byte > 1) break;
      return big;
    }
  }
  throw path ? invalid(path, 'malformed varint (more than 64 bits)') : undecodable('malformed varint');
}

/** Reads a length prefix and returns where the value ends; it must end within `end`. */
function readLengthEnd(at: Cursor, end: number, path: string): number {
  const length = readVarint(at, end, path);
  if (length > end - at.pos) throw truncated(path);
  return at.pos + Number(length);
}

function advance(at: Cursor, end: number, bytes: number, path: string): void {
  if (end - at.pos < bytes) throw truncated(path);
  at.pos += bytes;
}

const truncated = (path: string): AppError =>
  path ? invalid(path, 'truncated: the value runs past the end of the message') : undecodable('truncated');

/** Skips an unknown field's value of any wire type, groups included. */
function skip(at: Cursor, end: number, wire: number, number: number, path: string, depth: number): void {
  switch (wire) {
    case Wire.Varint:
      readVarint(at, end, path);
      return;
    case Wire.I64:
      return advance(at, end, 8, path);
    case Wire.I32:
      return advance(at, end, 4, path);
    case Wire.Len:
      at.pos = readLengthEnd(at, end, path);
      return;
    case Wire.StartGroup: {
      if (depth >= MAX_DEPTH) throw undecodable('nested too deeply');
      for (;;) {
        const [innerNumber, innerWire] = readAnyTag(at, end, path);
        if (innerWire === Wire.EndGroup) {
          if (innerNumber !== number) throw undecodable('mismatched end-group tag');
          return;
        }
        skip(at, end, innerWire, innerNumber, path, depth + 1);
      }
    }
  }
}
