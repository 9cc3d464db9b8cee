// What the HTTP server span's request attributes cost the gateway per recorded request: the
// fast path (shared/telemetry/lean/http-attributes.ts) against what auto mode computes for the same
// attributes (the stock http instrumentation's function with the instrumentation's own
// startIncomingSpanHook, shared/telemetry/instrumentations.ts), on the REST and the tRPC request the
// benchmark loads send.
//
//   npm run bench -- --micro request-attributes [--rounds 5] [--iterations 200000]
//
// Rounds alternate between the two so drift hits both alike; the median round is reported, in µs
// per call. test/unit/shared/telemetry/lean/http-attributes.test.ts checks they return the same attributes.
import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { incomingRequestAttributes } from '../shared/telemetry/lean/http-attributes';
import { HTTP_OPTIONS } from '../shared/telemetry/instrumentations';
import { median } from './load-result';
import type { MicroOptions } from './cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getIncomingRequestAttributes } = require('@opentelemetry/instrumentation-http/build/src/utils') as {
  getIncomingRequestAttributes: (req: IncomingMessage, options: object, logger: object) => Attributes;
};
const startIncomingSpanHook = HTTP_OPTIONS.startIncomingSpanHook!;
const LOGGER = { verbose: () => undefined };

const request = (url: string) =>
  ({
    method: 'GET',
    url,
    httpVersion: '1.1',
    headers: { host: '127.0.0.1:8080', authorization: 'Bearer x', 'user-agent': 'autocannon' },
    socket: { remoteAddress: '127.0.0.1', remotePort: 51234 },
  }) as unknown as IncomingMessage;

const REQUESTS = {
  'REST GET /api/v1/users/:id': request('/api/v1/users/9d80730d-b7e8-4eb8-b704-c75aae817cc6'),
  'tRPC GET /trpc/users.get?input=...': request(`/trpc/users.get?input=${encodeURIComponent(JSON.stringify({ id: '9d80730d-b7e8-4eb8-b704-c75aae817cc6' }))}`),
};
const FUNCTIONS: Record<string, (req: IncomingMessage) => Attributes> = {
  'fast path': incomingRequestAttributes,
  stock: (req) => getIncomingRequestAttributes(req, { component: 'http', hookAttributes: startIncomingSpanHook(req), enableSyntheticSourceDetection: false }, LOGGER),
};

function measure(fn: (req: IncomingMessage) => Attributes, req: IncomingMessage, calls: number): number {
  let keys = 0;
  for (let i = 0; i < calls / 10; i++) keys += Object.keys(fn(req)).length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) keys += Object.keys(fn(req)).length;
  const us = Number(process.hrtime.bigint() - start) / calls / 1000;
  if (keys === 0) throw new Error('no attributes');
  return us;
}

/** Runs the comparison and prints it. */
export async function run(o: Pick<MicroOptions, 'rounds' | 'iterations'>): Promise<void> {
  const rounds = o.rounds ?? 5;
  const calls = o.iterations ?? 200_000;
  const results = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [reqName, req] of Object.entries(REQUESTS)) {
      for (const [fnName, fn] of Object.entries(FUNCTIONS)) {
        const key = `${reqName}, ${fnName}`;
        results.set(key, [...(results.get(key) ?? []), measure(fn, req, calls)]);
      }
    }
  }
  for (const [key, values] of results) {
    process.stdout.write(`${key.padEnd(50)} ${median(values).toFixed(2)} µs/call (min ${Math.min(...values).toFixed(2)})\n`);
  }
  await Promise.resolve();
}
