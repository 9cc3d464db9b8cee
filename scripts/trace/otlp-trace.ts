// Jaeger's stable query API (/api/v3) answers with OTLP JSON; this reads it into flat spans for
// the trace command and the tests.

/** One span as read back from Jaeger's /api/v3 (OTLP JSON), flattened. */
export interface StoredSpan {
  service: string;
  /** The resource's `service.instance.id`: which instance of the service made the span. */
  instance?: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** OTLP kind: 1 internal, 2 server, 3 client. */
  kind: number;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: number;
  statusMessage?: string;
  /** Start and end, milliseconds since the epoch (microsecond precision). */
  startUnixMs: number;
  endUnixMs: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  /** Links to spans of other traces (e.g. an untrusted caller's, kept by the gateway). */
  links: Array<{ traceId: string; spanId: string }>;
}

/** OTLP span kinds as Jaeger's JSON reports them. */
export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
/** OTLP status codes as Jaeger's JSON reports them. */
export const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

function valueOf(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

const attrs = (list: OtlpAttribute[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const KIND_NAMES: Record<string, number> = { SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5 };

// Nanoseconds since the epoch do not fit a double exactly; microseconds do.
const unixMs = (nanos: unknown): number => Number(BigInt(String(nanos ?? 0)) / 1000n) / 1000;

/** Flattens an /api/v3 OTLP JSON trace document into spans. */
export function flattenTrace(doc: unknown): StoredSpan[] {
  const out: StoredSpan[] = [];
  const resourceSpans = (doc as { result?: { resourceSpans?: unknown[] } }).result?.resourceSpans ?? [];
  for (const rs of resourceSpans as Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: unknown[] }> }>) {
    const resource = attrs(rs.resource?.attributes);
    const service = String(resource['service.name'] ?? '');
    const instance = resource['service.instance.id'] === undefined ? undefined : String(resource['service.instance.id']);
    for (const ss of rs.scopeSpans ?? []) {
      for (const raw of (ss.spans ?? []) as Array<Record<string, unknown>>) {
        const status = (raw.status ?? {}) as { code?: number | string; message?: string };
        const kind = raw.kind as number | string | undefined;
        out.push({
          service,
          ...(instance === undefined ? {} : { instance }),
          name: String(raw.name),
          traceId: String(raw.traceId),
          spanId: String(raw.spanId),
          parentSpanId: raw.parentSpanId ? String(raw.parentSpanId) : undefined,
          kind: typeof kind === 'string' ? (KIND_NAMES[kind] ?? 0) : (kind ?? 0),
          status: typeof status.code === 'string' ? (STATUS_NAMES[status.code] ?? 0) : (status.code ?? 0),
          statusMessage: status.message,
          startUnixMs: unixMs(raw.startTimeUnixNano),
          endUnixMs: unixMs(raw.endTimeUnixNano),
          attributes: attrs(raw.attributes as OtlpAttribute[]),
          events: ((raw.events ?? []) as Array<{ name: string; attributes?: OtlpAttribute[] }>).map((e) => ({
            name: e.name,
            attributes: attrs(e.attributes),
          })),
          links: ((raw.links ?? []) as Array<{ traceId: unknown; spanId: unknown }>).map((l) => ({ traceId: String(l.traceId), spanId: String(l.spanId) })),
        });
      }
    }
  }
  return out;
}
