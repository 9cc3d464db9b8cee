import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { REDACTED_QUERY_PARAMS } from '../shared/telemetry/untraced';

// The HTTP server span's request attributes, exactly as @opentelemetry/instrumentation-http
// 0.223 computes them (stable semconv). Its own function parses every request URL with
// `new URL()` and looks for forwarding headers; profiled, that was ~30 µs of the gateway's CPU per
// request. The common request (no forwarding headers, a plain Host, a URL of unreserved
// characters) is computed directly here; anything else goes to the stock function, so the
// result is always the stock one (test/unit/gateway/request-attributes.test.ts runs both).
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
// Characters URL parsing leaves as they are in a path and a query of an http URL; no '%' (an
// encoded dot segment would be resolved), no quote, no '#'.
const SIMPLE_URL = /^\/(?!\/)[A-Za-z0-9\-._~!$&()*+,;=:@/?]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|\?|$)/;

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
    DOT_SEGMENT.test(url)
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
    attributes['url.query'] = stock.redactQueryString(new URLSearchParams(url.slice(q + 1)), REDACTED_QUERY_PARAMS);
  }
  if (req.socket.remoteAddress) attributes['client.address'] = req.socket.remoteAddress;
  // parseHostHeader: no port in Host means the scheme's default.
  attributes['server.port'] = Number(hostMatch[2] ?? '80');
  if (method !== normalized) attributes['http.request.method_original'] = method;
  return attributes;
}
