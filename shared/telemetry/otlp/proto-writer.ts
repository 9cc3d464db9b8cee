/**
 * Minimal protobuf writer for the OTLP span export hot path.
 *
 * One growable Buffer is reused across encodes so a steady-state export allocates nothing
 * but the result. Length-delimited fields use "reserve and shift": the caller reserves the
 * number of length bytes it expects (a per-message hint), writes the body, and `endLD`
 * backpatches the varint length, moving the body only when the hint was wrong. That is a
 * single pass over the data; a two-pass "size first" scheme would have to walk every string
 * twice (see bench/encode-micro.ts for the measurement that chose this).
 *
 * All integer semantics (varints of negative numbers, fixed64 of an HrTime) mirror
 * @opentelemetry/otlp-transformer's ProtobufWriter so our bytes can be byte-identical.
 */

/** HrTime as defined by @opentelemetry/api: [seconds, nanoseconds]; duplicated to keep this file dependency-free. */
export type HrTimeTuple = readonly [number, number];

/** Strings shorter than this are written by a JS loop; longer ones by Buffer#write (a native call costs more than a short loop). */
const SHORT_STRING = 32;

/** A buffer larger than this after an encode is dropped, so one huge batch does not pin memory for the process lifetime. */
const MAX_RETAINED_CAPACITY = 8 * 1024 * 1024;

/** Bytes a uint32 takes as a varint. */
export function varintSize32(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Same nibble mapping as otlp-transformer's hexToBinary (anything not 0-9/a-f is treated as A-F), so malformed ids encode identically. */
function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return c - 55;
}

/** hexNibble for char codes < 256 as a table: ids are 48 hex chars per span, and the branches showed up in profiles. */
const HEX_NIBBLE = new Int32Array(256).map((_, c) => hexNibble(c));

/** Reusable protobuf writer; not re-entrant: one encode at a time per instance. */
export class ProtoWriter {
  /** Backing store; replaced when it grows, so never cache it across calls that may write. */
  buf: Buffer;
  /** Next write position. */
  pos = 0;
  private readonly initialCapacity: number;

  constructor(initialCapacity = 64 * 1024) {
    this.initialCapacity = initialCapacity;
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Start a new message; also releases an oversized buffer left by a previous huge batch. */
  reset(): void {
    if (this.buf.length > MAX_RETAINED_CAPACITY) this.buf = Buffer.allocUnsafe(this.initialCapacity);
    this.pos = 0;
  }

  /** Make room for n more bytes; growth doubles so appends stay amortised O(1). */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2 || 1024;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A view of the bytes written so far; valid only until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** An owned copy of the bytes written so far, safe to keep across later encodes. */
  copy(): Uint8Array {
    // Unpooled, so out.buffer is exactly this message (small Buffers otherwise share an 8 KiB
    // slab, which breaks consumers that wrap `.buffer` without byteOffset).
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** One raw byte (a precomputed single-byte tag, usually); the caller guarantees capacity via ensure(). */
  byteUnchecked(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** One raw byte with a capacity check. */
  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Field key; field numbers and wire types come from the .proto, so the value is always small and non-negative. */
  tag(fieldNumber: number, wireType: number): void {
    this.varint32((fieldNumber << 3) | wireType);
  }

  /** Unsigned 32-bit varint; the value must be an integer in [0, 2^32). */
  varint32(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /**
   * int64/uint64 varint from a JS number with otlp-transformer's exact semantics: values in
   * [0, 2^32) take the 32-bit path, negatives are two's complement (10 bytes), and NaN or
   * undefined become 0 — which is what the stock writer produces for them.
   */
  varint64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) {
      this.varint32(value >>> 0);
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 0x100000000) >>> 0;
    } else {
      const abs = Math.abs(value);
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / 0x100000000) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.varintLowHigh(low, high);
  }

  /** int64/uint64 varint from a bigint (wrapped to 64 bits, two's complement for negatives) for callers that hold exact 64-bit values. */
  varintBigInt(value: bigint): void {
    const u = BigInt.asUintN(64, value);
    this.varintLowHigh(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /** Varint of a 64-bit value already split into unsigned 32-bit halves. */
  varintLowHigh(low: number, high: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    while (high > 0 || low > 0x7f) {
      buf[p++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[p++] = low & 0x7f;
    this.pos = p;
  }

  /** Little-endian fixed32 (flags fields). */
  fixed32(v: number): void {
    this.ensure(4);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v & 0xff;
    buf[p + 1] = (v >>> 8) & 0xff;
    buf[p + 2] = (v >>> 16) & 0xff;
    buf[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }

  /** Little-endian fixed64 from unsigned 32-bit halves. */
  fixed64(low: number, high: number): void {
    this.ensure(8);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = low & 0xff;
    buf[p + 1] = (low >>> 8) & 0xff;
    buf[p + 2] = (low >>> 16) & 0xff;
    buf[p + 3] = (low >>> 24) & 0xff;
    buf[p + 4] = high & 0xff;
    buf[p + 5] = (high >>> 8) & 0xff;
    buf[p + 6] = (high >>> 16) & 0xff;
    buf[p + 7] = (high >>> 24) & 0xff;
    this.pos = p + 8;
  }

  /**
   * fixed64 unix nanoseconds from an HrTime without BigInt or precision loss: seconds*1e9
   * exceeds 2^53, so seconds is split into 16-bit halves whose products stay exact. This is
   * otlp-transformer's writeHrTimeAsFixed64 arithmetic, equal to hrTimeToNanos (truncating
   * fractional parts) for every non-negative HrTime below 2^64 ns.
   */
  fixed64HrTime(t: HrTimeTuple): void {
    const seconds = t[0];
    const nanos = t[1];
    const lowerProduct = (seconds & 0xffff) * 1_000_000_000;
    const upperProduct = ((seconds / 0x10000) >>> 0) * 1_000_000_000;
    const lowerLow = lowerProduct >>> 0;
    const lowerHigh = Math.floor(lowerProduct / 0x100000000);
    const upperLow = ((upperProduct & 0xffff) * 0x10000) >>> 0;
    const upperHigh = (upperProduct / 0x10000) >>> 0;
    const lowSum = lowerLow + upperLow + nanos;
    const carry = Math.floor(lowSum / 0x100000000);
    this.fixed64(lowSum >>> 0, (lowerHigh + upperHigh + carry) >>> 0);
  }

  /** Little-endian IEEE 754 double. */
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /**
   * Length-prefixed UTF-8 string written straight into the buffer. Short ASCII strings go
   * through a JS loop; anything else through Buffer#write, whose output (lone surrogates
   * become U+FFFD) matches TextEncoder, which the stock writer uses.
   */
  string(s: string): void {
    const len = s.length;
    if (len < SHORT_STRING) {
      this.ensure(1 + len * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === len) {
        buf[this.pos] = len;
        this.pos = start + len;
        return;
      }
    }
    this.stringSlow(s, len);
  }

  /** Long or non-ASCII strings: reserve the length varint for the minimum byte length (UTF-8 bytes >= UTF-16 units), fix up if the real length needs more. */
  private stringSlow(s: string, len: number): void {
    const reserve = varintSize32(len);
    // Room for the worst case (3 bytes per UTF-16 unit, 5-byte length) up front: growing
    // later would copy only [0, pos) and lose the string bytes written beyond pos.
    this.ensure(5 + len * 3);
    const start = this.pos + reserve;
    const n = this.buf.write(s, start);
    const size = varintSize32(n);
    if (size !== reserve) {
      this.buf.copyWithin(start + size - reserve, start, start + n);
    }
    this.varint32(n);
    this.pos += n;
  }

  /** Length-prefixed bytes from a lowercase/uppercase hex id, without allocating the intermediate Uint8Array. */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.ensure(5 + n);
    this.varint32(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const hi = hex.charCodeAt(i << 1);
      const lo = hex.charCodeAt((i << 1) + 1);
      buf[p++] = ((hi < 256 ? HEX_NIBBLE[hi]! : hi - 55) << 4) | (lo < 256 ? HEX_NIBBLE[lo]! : lo - 55);
    }
    this.pos = p;
  }

  /** Length-prefixed bytes. */
  bytes(b: Uint8Array): void {
    this.varint32(b.length);
    this.raw(b);
  }

  /** Pre-encoded bytes appended verbatim (cached sub-messages). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * Open a length-delimited body, reserving `reserve` bytes for its length (1 covers < 128
   * bytes, 2 < 16 KiB, 3 < 2 MiB). Returns the body start to pass to endLD.
   */
  beginLD(reserve: number): number {
    this.ensure(reserve);
    return (this.pos += reserve);
  }

  /** Close a body opened by beginLD: write its length in front, moving the body if the reservation was the wrong size. */
  endLD(mark: number, reserve: number): void {
    const len = this.pos - mark;
    if (reserve === 1 && len < 0x80) {
      this.buf[mark - 1] = len;
      return;
    }
    const size = varintSize32(len);
    if (size !== reserve) {
      if (size > reserve) this.ensure(size - reserve);
      this.buf.copyWithin(mark + size - reserve, mark, this.pos);
      this.pos += size - reserve;
    }
    const buf = this.buf;
    let p = mark - reserve;
    let v = len;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
  }
}
