import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { REDACTED_QUERY_PARAMS } from '../untraced';

// The HTTP server span's request attributes, exactly as @opentelemetry/instrumentation-http
// computes them (stable semconv). Its own function parses every request URL with
// `new URL()` and looks for forwarding headers on every request, which profiling showed to be
// the largest part of a recorded request's span in the gateway. The common request (no forwarding headers, a plain Host, a URL of unreserved
// characters and percent-encoded octets, as tRPC's `?input=%7B...%7D` is) is computed directly
// here; anything else goes to the stock function, so the result is always the stock one
// (test/unit/shared/telemetry/lean/http-attributes.test.ts runs both).
type StockAttributes = (
  request: IncomingMessage,
  options: { component: 'http'; redactedQueryParams: string[]; enableSyntheticSourceDetection: boolean },
  logger: { verbose(message: string, ...args: unknown[]): void },
) => Attributes;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stock = require('@opentelemetry/instrumentation-http/build/src/utils') as {
  getIncomingRequestAttributes: StockAttributes;
  redactQueryString: (params: URLSearchParams, redact: string[]) => string;
};

const OPTIONS = { component: 'http', redactedQueryParams: REDACTED_QUERY_PARAMS, enableSyntheticSourceDetection: false } as const;
const quietLogger = { verbose: () => undefined };
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);
const SIMPLE_HOST = /^([A-Za-z0-9.-]+)(?::(\d+))?$/;
// Characters URL parsing leaves as they are in a path and a query of an http URL (no quote, no
// '#', no backslash), percent-encoded octets included: the parser keeps `%XX` as written.
const SIMPLE_URL = /^\/(?!\/)[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;
// A '%' that does not start a `%XX` octet.
const STRAY_PERCENT = /%(?![0-9A-Fa-f]{2})/;
// A dot segment, which URL parsing resolves: `.` or `..`, and their encoded spellings (`%2e`,
// `.%2E`, ...), as a whole segment.
const DOT_SEGMENT = /\/(?:\.|%2e)(?:\.|%2e)?(?:\/|\?|$)/i;

const REDACTED = new Set(REDACTED_QUERY_PARAMS);
// One `name=value` component as URLSearchParams writes it back: the characters it leaves as they
// are, '+' (a space) and `%XX` octets.
const FORM_COMPONENT = /^(?:[A-Za-z0-9*\-._+]|%[0-9A-F]{2})*$/;

// Per octet value: whether `%XX` is how URLSearchParams writes the character it decodes to. Not a
// space (written '+'), not a character written as it is, not a UTF-8 byte (a multi-byte sequence
// would need checking as a whole; an invalid one is rewritten as U+FFFD). Computed once: every
// tRPC query carries a dozen octets.
const CANONICAL_OCTET: readonly boolean[] = Array.from(
  { length: 256 },
  (_, code) => code < 0x80 && code !== 0x20 && !/[A-Za-z0-9*\-._]/.test(String.fromCharCode(code)),
);

/** Whether `%XX` (XX upper-case hex) is how URLSearchParams writes the character it decodes to. */
function canonicalOctet(hex: string): boolean {
  return CANONICAL_OCTET[parseInt(hex, 16)]!;
}

function canonicalComponent(part: string): boolean {
  if (!FORM_COMPONENT.test(part)) return false;
  for (let i = part.indexOf('%'); i !== -1; i = part.indexOf('%', i + 3)) {
    if (!canonicalOctet(part.slice(i + 1, i + 3))) return false;
  }
  return true;
}

/**
 * The `url.query` of a query string, when it is already what the stock instrumentation's
 * `redactQueryString(new URLSearchParams(query))` would return: `name=value` pairs written as
 * URLSearchParams writes them (tRPC's `input=%7B%22id%22...%7D` is), none of them a redacted
 * name. Undefined for anything else, which then goes through the stock function. Parsing,
 * copying and re-serialising tRPC's parameters was the largest recording-only item in the tRPC
 * gateway's profile (bench/README.md, "What each lever bought").
 */
function unchangedQuery(query: string): string | undefined {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || pair.indexOf('=', eq + 1) !== -1) return undefined;
    const name = pair.slice(0, eq);
    if (!canonicalComponent(name) || !canonicalComponent(pair.slice(eq + 1))) return undefined;
    // A name is compared decoded, as URLSearchParams.has() compares it.
    const decoded = name.includes('%') || name.includes('+') ? decodeURIComponent(name.replace(/\+/g, ' ')) : name;
    if (REDACTED.has(decoded)) return undefined;
  }
  return query;
}

/** The stock http instrumentation's request attributes for an incoming request. */
export function incomingRequestAttributes(req: IncomingMessage): Attributes {
  const { headers } = req;
  const url = req.url ?? '/';
  const host = headers.host;
  const hostMatch = typeof host === 'string' ? SIMPLE_HOST.exec(host) : null;
  if (
    !hostMatch ||
    headers.forwarded !== undefined ||
    headers['x-forwarded-host'] !== undefined ||
    headers['x-forwarded-for'] !== undefined ||
    !SIMPLE_URL.test(url) ||
    DOT_SEGMENT.test(url) ||
    STRAY_PERCENT.test(url)
  ) {
    return stock.getIncomingRequestAttributes(req, OPTIONS, quietLogger);
  }
  const method = req.method;
  const upper = method == null ? 'GET' : method.toUpperCase();
  const normalized = method == null ? 'GET' : KNOWN_METHODS.has(upper) ? upper : '_OTHER';
  const q = url.indexOf('?');
  const attributes: Attributes = {
    'http.request.method': normalized,
    'url.scheme': 'http',
    'server.address': hostMatch[1],
    'network.peer.address': req.socket.remoteAddress,
    'network.peer.port': req.socket.remotePort,
    'network.protocol.version': req.httpVersion,
    'user_agent.original': headers['user-agent'],
    'url.path': q === -1 ? url : url.slice(0, q),
  };
  if (q !== -1 && q < url.length - 1) {
    const query = url.slice(q + 1);
    attributes['url.query'] = unchangedQuery(query) ?? stock.redactQueryString(new URLSearchParams(query), REDACTED_QUERY_PARAMS);
  }
  if (req.socket.remoteAddress) attributes['client.address'] = req.socket.remoteAddress;
  // parseHostHeader: no port in Host means the scheme's default.
  attributes['server.port'] = Number(hostMatch[2] ?? '80');
  if (method !== normalized) attributes['http.request.method_original'] = method;
  return attributes;
}
