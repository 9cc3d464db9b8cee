import { expect } from 'chai';
import { STATUS, type StoredSpan } from '../../../../scripts/trace/otlp-trace';
import { bar, formatMs, orderSpans, renderWaterfall } from '../../../../scripts/trace/waterfall';

const T0 = 1_764_590_000_000;
let nextId = 0;

/** A span starting `start` ms into the trace and lasting `ms`. */
function span(name: string, start: number, ms: number, more: Partial<StoredSpan> = {}): StoredSpan {
  nextId++;
  return {
    service: 'gateway',
    name,
    traceId: 'ab'.repeat(16),
    spanId: nextId.toString(16).padStart(16, '0'),
    kind: 1,
    status: STATUS.UNSET,
    startUnixMs: T0 + start,
    endUnixMs: T0 + start + ms,
    attributes: {},
    links: [],
    events: [],
    ...more,
  };
}

const child = (parent: StoredSpan, name: string, start: number, ms: number, more: Partial<StoredSpan> = {}) => span(name, start, ms, { parentSpanId: parent.spanId, ...more });
const plain = (spans: StoredSpan[], barWidth = 20) => renderWaterfall(spans, { color: false, barWidth });
/** The bar of a rendered line (the run of · and █). */
const barOf = (line: string) => /[·█]+/.exec(line)![0];

describe('trace waterfall', () => {
  it('orders children under their parent by start time and indents them one step a level', () => {
    const root = span('GET /api/v1/users/:id', 0, 100);
    const late = child(root, 'late', 60, 10);
    const early = child(root, 'early', 10, 40);
    const grandchild = child(early, 'grandchild', 20, 5);
    const rows = orderSpans([late, grandchild, root, early]);
    expect(rows.map((r) => [r.span.name, r.depth])).to.deep.equal([
      ['GET /api/v1/users/:id', 0],
      ['early', 1],
      ['grandchild', 2],
      ['late', 1],
    ]);
    const lines = plain([late, grandchild, root, early]);
    expect(lines[2]).to.match(/^gateway {4}early /);
    expect(lines[2]).to.contain('  early');
    expect(lines[3]).to.contain('    grandchild');
    expect(lines[3]!.indexOf('grandchild') - lines[2]!.indexOf('early')).to.equal(2);
  });

  it('scales bars to the whole trace: offset and length in proportion, at least one cell', () => {
    expect(bar(T0, T0 + 100, T0, 100, 20)).to.deep.equal({ before: 0, filled: 20, after: 0 });
    expect(bar(T0 + 50, T0 + 75, T0, 100, 20)).to.deep.equal({ before: 10, filled: 5, after: 5 });
    expect(bar(T0 + 99.9, T0 + 99.9, T0, 100, 20)).to.deep.equal({ before: 19, filled: 1, after: 0 });
    expect(bar(T0, T0, T0, 0, 20)).to.deep.equal({ before: 0, filled: 20, after: 0 });
    const root = span('root', 0, 200);
    const half = child(root, 'second half', 100, 100);
    const lines = plain([root, half]);
    expect(barOf(lines[1]!)).to.equal('█'.repeat(20));
    expect(barOf(lines[2]!)).to.equal(`${'·'.repeat(10)}${'█'.repeat(10)}`);
  });

  it('prints offset, duration, the key attributes and events, and a header with the totals', () => {
    const root = span('GET /api/v1/users/:id', 0, 12.5, { attributes: { 'http.route': '/api/v1/users/:id', 'http.response.status_code': 200, 'url.path': '/x' } });
    const db = child(root, 'SELECT users', 2.25, 0.5, {
      service: 'user-service',
      attributes: { 'db.query.text': `select * from "users" where "id" = ? ${'and x = ? '.repeat(10)}`, 'enduser.id': 'u-1' },
      events: [{ name: 'fault.injected', attributes: { 'fault.delay_ms': 150 } }],
    });
    const lines = plain([root, db]);
    expect(lines[0]).to.equal(`trace ${'ab'.repeat(16)}: 2 spans, 2 services (gateway, user-service), 12.5ms`);
    expect(lines[1]).to.match(/ {2}\+0\.00ms 12\.5ms {2}http\.route=\/api\/v1\/users\/:id {2}http\.response\.status_code=200$/);
    expect(lines[1]).to.not.contain('url.path');
    expect(lines[2]).to.match(/^user-service {2}/);
    expect(lines[2]).to.match(/\+2\.25ms 0\.50ms {2}db\.query\.text=select \* from "users" where "id" = \? and x.{10,}… {2}enduser\.id=u-1 {2}\[fault\.injected fault\.delay_ms=150\]$/);
    // Columns line up: every bar starts at the same place.
    expect(new Set(lines.slice(1).map((l) => l.search(/[·█]/))).size).to.equal(1);
  });

  it('formats durations with three significant digits', () => {
    expect([0.123, 4.5, 45.67, 456.7, 4567].map(formatMs)).to.deep.equal(['0.12ms', '4.50ms', '45.7ms', '457ms', '4.57s']);
  });

  it('shows a span whose parent is missing as a root of its own, saying so', () => {
    const root = span('GET /api/v1/users/:id', 0, 50);
    const orphan = span('GetUser', 5, 20, { service: 'user-service', parentSpanId: 'feedfacefeedface' });
    const underOrphan = child(orphan, 'SELECT users', 6, 2, { service: 'user-service' });
    const lines = plain([underOrphan, orphan, root]);
    expect(lines).to.have.length(4);
    expect(lines[2]).to.match(/^user-service {2}GetUser/).and.contain('(parent feedfacefeedface not in trace)');
    expect(lines[3]).to.contain('  SELECT users').and.not.contain('not in trace');
  });

  it('still prints every span when parents form a cycle', () => {
    const a = span('a', 0, 10);
    const b = span('b', 1, 5, { parentSpanId: a.spanId });
    a.parentSpanId = b.spanId;
    expect(plain([a, b]).slice(1).map((l) => l.trim().split(/\s+/)[1])).to.have.members(['a', 'b']);
  });

  it('marks ERROR spans, in red only with colour', () => {
    const root = span('GET /api/v1/users/:id', 0, 10, { status: STATUS.ERROR, statusMessage: 'service unavailable' });
    const fine = child(root, 'trpc users.get', 1, 5);
    const [, errLine, okLine] = plain([root, fine]);
    expect(errLine).to.contain('ERROR (service unavailable)').and.not.contain('\u001b[');
    expect(okLine).to.not.contain('ERROR');
    const colored = renderWaterfall([root, fine], { color: true, barWidth: 20 });
    expect(colored[1]).to.contain('\u001b[31mERROR (service unavailable)\u001b[0m');
    expect(colored[1]).to.contain(`\u001b[31m${'█'.repeat(20)}\u001b[0m`);
    expect(colored[2]).to.not.contain('\u001b[31m');
  });

  it('says so for an empty trace', () => {
    expect(plain([])).to.deep.equal(['(no spans)']);
  });
});
