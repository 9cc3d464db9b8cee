import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

const POOL_BYTES = 4096;
const ZERO_SPAN_ID = '0'.repeat(16);
const ZERO_TRACE_ID = '0'.repeat(32);

/**
 * Trace and span ids cut from a pool of random bytes that is filled and hex-encoded 4 KiB at a
 * time (crypto.randomFillSync), instead of four Math.random() calls and a hex conversion per id
 * as the SDK's RandomIdGenerator does. An id is a substring of the pool's hex; all-zero ids
 * (invalid in W3C) are never returned.
 */
export class PooledIdGenerator implements IdGenerator {
  private readonly bytes = Buffer.allocUnsafe(POOL_BYTES);
  private hex = '';
  private offset = 0;

  private take(chars: number): string {
    if (this.offset + chars > this.hex.length) {
      randomFillSync(this.bytes);
      this.hex = this.bytes.toString('hex');
      this.offset = 0;
    }
    const id = this.hex.substring(this.offset, this.offset + chars);
    this.offset += chars;
    return id;
  }

  generateTraceId(): string {
    const id = this.take(32);
    return id === ZERO_TRACE_ID ? this.generateTraceId() : id;
  }

  generateSpanId(): string {
    const id = this.take(16);
    return id === ZERO_SPAN_ID ? this.generateSpanId() : id;
  }
}
