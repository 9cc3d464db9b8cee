import { expect } from 'chai';
import { KIND, type StoredSpan } from './jaeger';
import { noteTrace } from './trace-on-failure';

const TRACERESPONSE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/** The trace id of a response, from its `traceresponse` header (fails the test if absent); noted for a failure's waterfall. */
export function traceIdOf(headers: Headers): string {
  const value = headers.get('traceresponse');
  expect(value, 'traceresponse header').to.match(TRACERESPONSE);
  const traceId = TRACERESPONSE.exec(value!)![1]!;
  noteTrace(traceId);
  return traceId;
}

/**
 * Asserts the basic shape of one trace: every span has this trace id, exactly one root, every
 * parent present, and the set of services is exactly `services`.
 */
export function expectOneTrace(spans: StoredSpan[], traceId: string, services: string[]): StoredSpan {
  expect(spans.length, 'spans in trace').to.be.greaterThan(0);
  for (const s of spans) expect(s.traceId).to.equal(traceId);
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  expect(roots.map((r) => `${r.service}:${r.name}`), 'roots (spans whose parent is not in the trace)').to.have.length(1);
  expect([...new Set(spans.map((s) => s.service))].sort()).to.deep.equal([...services].sort());
  return roots[0]!;
}

/** The one span matching `name` (and `service`, `kind` if given); fails if none or several. */
export function theSpan(spans: StoredSpan[], name: string, where: { service?: string; kind?: number; parent?: StoredSpan } = {}): StoredSpan {
  const found = spans.filter(
    (s) =>
      s.name === name &&
      (where.service === undefined || s.service === where.service) &&
      (where.kind === undefined || sameKind(s.kind, where.kind)) &&
      (where.parent === undefined || s.parentSpanId === where.parent.spanId),
  );
  expect(found.map((s) => `${s.service}:${s.name}`), `span ${name} ${JSON.stringify({ ...where, parent: where.parent?.name })} in ${describeTrace(spans)}`).to.have.length(1);
  return found[0]!;
}

/**
 * Jaeger's thrift path has no tag for INTERNAL, so those spans come back UNSPECIFIED (0): both
 * count as internal.
 */
function sameKind(actual: number, expected: number): boolean {
  return actual === expected || (expected === KIND.INTERNAL && actual === 0);
}

/** Children of `parent`. */
export const childrenOf = (spans: StoredSpan[], parent: StoredSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);

/** An indented tree of the trace, for assertion messages. */
export function describeTrace(spans: StoredSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const lines: string[] = [];
  const walk = (s: StoredSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${s.service}: ${s.name} [kind ${s.kind}, status ${s.status}]`);
    for (const c of childrenOf(spans, s)) walk(c, depth + 1);
  };
  for (const root of spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))) walk(root, 0);
  return `\n${lines.join('\n')}\n`;
}

/**
 * The spine every call through the gateway has: HTTP server span (named by route) -> `trpc <path>`
 * -> gRPC client span in the gateway. Returns the three spans.
 */
export function expectGatewaySpine(spans: StoredSpan[], route: string, procedure: string, grpcMethod: string) {
  const http = theSpan(spans, route, { service: 'gateway', kind: KIND.SERVER });
  const trpc = theSpan(spans, `trpc ${procedure}`, { service: 'gateway', parent: http });
  const client = theSpan(spans, `grpc.${grpcMethod}`, { service: 'gateway', kind: KIND.CLIENT, parent: trpc });
  return { http, trpc, client };
}

/**
 * The hop into a service: gRPC server span under `client`, in `service`, with the operation span
 * (`operation`) under it. Returns both.
 */
export function expectServerHop(spans: StoredSpan[], client: StoredSpan, service: string, grpcMethod: string, operation: string) {
  const server = theSpan(spans, `grpc.${grpcMethod}`, { service, kind: KIND.SERVER, parent: client });
  const op = theSpan(spans, operation, { service, kind: KIND.INTERNAL, parent: server });
  return { server, op };
}
