import { flattenTrace, type StoredSpan } from './otlp-trace';

/** A failure to read from Jaeger, with what to tell the user and the exit code to end with. */
export class TraceQueryError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'TraceQueryError';
  }
}

/** Exit codes of `npm run trace`: bad arguments, trace not found, Jaeger not reachable or not answering as Jaeger. */
export const EXIT = { USAGE: 2, NOT_FOUND: 1, UNREACHABLE: 3 } as const;

const TRACE_ID = /^[0-9a-f]{32}$/;
// A whole traceresponse/traceparent value is accepted too: it is what people copy.
const TRACE_HEADER = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id in `text` (32 hex digits, or a traceresponse/traceparent value), lower-cased; throws a usage error otherwise. */
export function parseTraceId(text: string): string {
  const value = text.trim().toLowerCase();
  const id = TRACE_HEADER.exec(value)?.[1] ?? value;
  if (!TRACE_ID.test(id) || /^0+$/.test(id)) {
    throw new TraceQueryError(`"${text}" is not a trace id: expected 32 hex digits (the second field of the traceresponse header, or trace_id in a log line)`, EXIT.USAGE);
  }
  return id;
}

async function getJson(jaegerUrl: string, path: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${jaegerUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TraceQueryError(
      `cannot reach Jaeger at ${jaegerUrl} (${cause?.code ?? cause?.message ?? (err as Error).message}). Is it running? \`npm start\` starts one; \`scripts/jaeger.sh status\` checks; --jaeger or JAEGER_URL points elsewhere`,
      EXIT.UNREACHABLE,
    );
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new TraceQueryError(`${jaegerUrl}${path} answered ${res.status} with something that is not JSON: is ${jaegerUrl} Jaeger's query port (16686)?`, EXIT.UNREACHABLE);
  }
}

const errorMessage = (body: unknown) => (body as { error?: { message?: string } }).error?.message ?? JSON.stringify(body).slice(0, 200);

/** The spans of one trace from Jaeger's /api/v3/traces/{id}; a TraceQueryError when it is not there. */
export async function fetchTrace(jaegerUrl: string, traceId: string): Promise<StoredSpan[]> {
  const { status, body } = await getJson(jaegerUrl, `/api/v3/traces/${traceId}`);
  if (status === 404) {
    throw new TraceQueryError(
      `trace ${traceId} is not in Jaeger at ${jaegerUrl}. Spans arrive about a second after the request; a trace that was not sampled, or older than this Jaeger (in-memory: since it started), is not there`,
      EXIT.NOT_FOUND,
    );
  }
  if (status !== 200) throw new TraceQueryError(`Jaeger at ${jaegerUrl} answered ${status}: ${errorMessage(body)}`, EXIT.UNREACHABLE);
  const spans = flattenTrace(body);
  if (spans.length === 0) throw new TraceQueryError(`trace ${traceId} has no spans in Jaeger at ${jaegerUrl}`, EXIT.NOT_FOUND);
  return spans;
}

/** How far back `--last` looks. */
export const LAST_WINDOW_MS = 60 * 60 * 1000;
/** How many traces one search asks for. */
export const SEARCH_LIMIT = 100;

/** The start (earliest span) of each trace among `spans`. */
function traceStarts(spans: readonly StoredSpan[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const s of spans) starts.set(s.traceId, Math.min(starts.get(s.traceId) ?? Infinity, s.startUnixMs));
  return starts;
}

/**
 * The id of the most recent trace with spans from `service` in the last hour; a TraceQueryError
 * when there is none. Jaeger's search returns up to `limit` traces in no promised order, so while
 * an answer is full the window is narrowed to start at the newest trace it held, until one fits.
 */
export async function lastTraceId(jaegerUrl: string, service: string, options: { now?: number; limit?: number } = {}): Promise<string> {
  const now = options.now ?? Date.now();
  const limit = options.limit ?? SEARCH_LIMIT;
  let from = now - LAST_WINDOW_MS;
  let newest: [string, number] | undefined;
  // Each round's window starts at the previous round's newest trace, so it holds fewer traces.
  for (let round = 0; round < 20; round++) {
    const query = new URLSearchParams({
      'query.service_name': service,
      'query.start_time_min': new Date(from).toISOString(),
      'query.start_time_max': new Date(now + 60_000).toISOString(),
      'query.num_traces': String(limit),
    });
    const { status, body } = await getJson(jaegerUrl, `/api/v3/traces?${query.toString()}`);
    if (status !== 200 && status !== 404) throw new TraceQueryError(`Jaeger at ${jaegerUrl} answered ${status}: ${errorMessage(body)}`, EXIT.UNREACHABLE);
    const starts = traceStarts(status === 200 ? flattenTrace(body) : []);
    for (const entry of starts) if (!newest || entry[1] > newest[1]) newest = entry;
    if (starts.size < limit || !newest || newest[1] <= from) break;
    from = newest[1];
  }
  if (newest) return newest[0];
  const services = await getJson(jaegerUrl, '/api/v3/services').then(
    ({ body }) => ((body as { services?: string[] }).services ?? []).join(', ') || 'none',
    () => 'unknown',
  );
  throw new TraceQueryError(`no trace from "${service}" in the last hour in Jaeger at ${jaegerUrl} (services it has: ${services})`, EXIT.NOT_FOUND);
}
