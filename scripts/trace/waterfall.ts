import { STATUS, type StoredSpan } from './otlp-trace';

/** Options of {@link renderWaterfall}. */
export interface WaterfallOptions {
  /** ANSI colour (ERROR in red, the empty part of each bar dim); off for NO_COLOR, pipes and files. */
  color: boolean;
  /** Width of the duration bar in characters (default 40). */
  barWidth?: number;
}

/** The attributes worth a glance on a span's line, in this order. */
export const KEY_ATTRIBUTES = ['http.route', 'http.response.status_code', 'rpc.method', 'rpc.grpc.status_code', 'db.query.text', 'enduser.id'] as const;

const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';
const INDENT = '  ';
// Longer values (a long SQL statement) would push everything else off the line.
const MAX_VALUE = 60;

/** `1.23ms`, `45.6ms`, `789ms`, `1.50s`: three significant digits, whatever the scale. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 100) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${ms.toFixed(0)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

const clip = (text: string) => (text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text);

/** The spans in display order with their depth: each root (a span without a parent in the trace) then its children, by start time. */
export function orderSpans(spans: readonly StoredSpan[]): Array<{ span: StoredSpan; depth: number; orphan: boolean }> {
  const ids = new Set(spans.map((s) => s.spanId));
  const byStart = [...spans].sort((a, b) => a.startUnixMs - b.startUnixMs || a.endUnixMs - b.endUnixMs);
  const children = new Map<string, StoredSpan[]>();
  for (const s of byStart) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    }
  }
  const out: Array<{ span: StoredSpan; depth: number; orphan: boolean }> = [];
  const seen = new Set<StoredSpan>();
  const walk = (span: StoredSpan, depth: number, orphan: boolean) => {
    if (seen.has(span)) return;
    seen.add(span);
    out.push({ span, depth, orphan });
    for (const child of children.get(span.spanId) ?? []) walk(child, depth + 1, false);
  };
  for (const s of byStart) if (!s.parentSpanId || !ids.has(s.parentSpanId)) walk(s, 0, Boolean(s.parentSpanId));
  // Spans only reachable through a parent cycle (a broken exporter) still get a line.
  for (const s of byStart) walk(s, 0, true);
  return out;
}

/** The bar of one span: its start and end placed on `width` cells spanning the whole trace; at least one cell. */
export function bar(startMs: number, endMs: number, traceStartMs: number, traceMs: number, width: number): { before: number; filled: number; after: number } {
  const scale = traceMs > 0 ? width / traceMs : 0;
  const before = Math.min(width - 1, Math.max(0, Math.floor((startMs - traceStartMs) * scale)));
  const end = traceMs > 0 ? Math.min(width, Math.max(before + 1, Math.round((endMs - traceStartMs) * scale))) : width;
  return { before, filled: end - before, after: width - end };
}

function details(span: StoredSpan, orphan: boolean): string[] {
  const parts: string[] = [];
  for (const key of KEY_ATTRIBUTES) {
    const value = span.attributes[key];
    if (value !== undefined && value !== '') parts.push(`${key}=${clip(String(value))}`);
  }
  for (const event of span.events) {
    if (event.name === 'exception') continue;
    const attrs = Object.entries(event.attributes).map(([k, v]) => `${k}=${clip(String(v))}`);
    parts.push(`[${event.name}${attrs.length ? ` ${attrs.join(' ')}` : ''}]`);
  }
  if (orphan) parts.push(`(parent ${span.parentSpanId} not in trace)`);
  return parts;
}

/**
 * Renders a trace as a waterfall, one line per span: service, the span name indented under its
 * parent, a bar placing it on the trace's whole duration, start offset, duration, ERROR (red with
 * colour) and the key attributes. Pure: spans in, lines out.
 */
export function renderWaterfall(spans: readonly StoredSpan[], options: WaterfallOptions): string[] {
  if (spans.length === 0) return ['(no spans)'];
  const width = options.barWidth ?? 40;
  const traceStart = Math.min(...spans.map((s) => s.startUnixMs));
  const traceEnd = Math.max(...spans.map((s) => s.endUnixMs));
  const traceMs = traceEnd - traceStart;
  const rows = orderSpans(spans);
  // In the order the request reached them.
  const services = [...new Set(rows.map((r) => r.span.service))];
  const serviceWidth = Math.max(...services.map((s) => s.length));
  const nameWidth = Math.max(...rows.map((r) => INDENT.length * r.depth + r.span.name.length));
  const offsetWidth = Math.max(...rows.map((r) => formatMs(r.span.startUnixMs - traceStart).length)) + 1;
  const durationWidth = Math.max(...rows.map((r) => formatMs(r.span.endUnixMs - r.span.startUnixMs).length));
  const paint = (code: string, text: string) => (options.color ? `${code}${text}${RESET}` : text);
  const errors = spans.filter((s) => s.status === STATUS.ERROR).length;

  const lines = [
    `trace ${spans[0]!.traceId}: ${spans.length} spans, ${services.length} services (${services.join(', ')}), ${formatMs(traceMs)}${errors ? `, ${errors} ERROR` : ''}`,
  ];
  for (const { span, depth, orphan } of rows) {
    const error = span.status === STATUS.ERROR;
    const cells = bar(span.startUnixMs, span.endUnixMs, traceStart, traceMs, width);
    const filled = '█'.repeat(cells.filled);
    const barText = `${paint(DIM, '·'.repeat(cells.before))}${error ? paint(RED, filled) : filled}${paint(DIM, '·'.repeat(cells.after))}`;
    const name = `${INDENT.repeat(depth)}${span.name}`.padEnd(nameWidth);
    const offset = `+${formatMs(span.startUnixMs - traceStart)}`.padStart(offsetWidth);
    const duration = formatMs(span.endUnixMs - span.startUnixMs).padStart(durationWidth);
    const status = error ? paint(RED, span.statusMessage ? `ERROR (${clip(span.statusMessage)})` : 'ERROR') : '';
    const tail = [status, ...details(span, orphan)].filter(Boolean).join('  ');
    lines.push(`${span.service.padEnd(serviceWidth)}  ${name}  ${barText}  ${offset} ${duration}${tail ? `  ${tail}` : ''}`);
  }
  return lines;
}
