import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { edgeRequestAttributes } from '../edge-attributes';

// The HTTP server span's request attributes, exactly as auto mode records them: the stock
// @opentelemetry/instrumentation-http function (stable semconv) with this project's own rules
// on top (edge-attributes.ts: no query string, addresses by the gateway's trust rules). The stock
// function parses every request URL with `new URL()`, which profiling showed to be the largest
// part of a recorded request's span in the gateway. The common request (a plain Host, a path of
// unreserved characters and percent-encoded octets) is computed directly here; anything else goes
// to the stock function, so the result is always auto mode's
// (test/unit/shared/telemetry/lean/http-attributes.test.ts runs both).
type StockAttributes = (
  request: IncomingMessage,
  options: { component: 'http'; hookAttributes: Attributes; enableSyntheticSourceDetection: boolean },
  logger: { verbose(message: string, ...args: unknown[]): void },
) => Attributes;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stock = require('@opentelemetry/instrumentation-http/build/src/utils') as { getIncomingRequestAttributes: StockAttributes };

const quietLogger = { verbose: () => undefined };
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);
// A Host URL parsing accepts as it is (the stock function parses the URL against it).
const SIMPLE_HOST = /^[A-Za-z0-9.-]+(?::\d+)?$/;
// Characters URL parsing leaves as they are in the path of an http URL (no quote, no '#', no
// backslash), percent-encoded octets included: the parser keeps `%XX` as written.
const SIMPLE_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&()*+,;=:@/%]*$/;
// A '%' that does not start a `%XX` octet.
const STRAY_PERCENT = /%(?![0-9A-Fa-f]{2})/;
// A dot segment, which URL parsing resolves: `.` or `..`, and their encoded spellings (`%2e`,
// `.%2E`, ...), as a whole segment.
const DOT_SEGMENT = /\/(?:\.|%2e)(?:\.|%2e)?(?:\/|$)/i;

/**
 * The HTTP server span's request attributes for an incoming request, as auto mode records them.
 * `clientAddress`: the client address as the gateway's trust rules resolved it (edge-attributes.ts).
 */
export function incomingRequestAttributes(req: IncomingMessage, clientAddress?: string): Attributes {
  const { headers } = req;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const host = headers.host;
  if (typeof host !== 'string' || !SIMPLE_HOST.test(host) || !SIMPLE_PATH.test(path) || DOT_SEGMENT.test(path) || STRAY_PERCENT.test(path)) {
    const options = { component: 'http', hookAttributes: edgeRequestAttributes(req, clientAddress), enableSyntheticSourceDetection: false } as const;
    return stock.getIncomingRequestAttributes(req, options, quietLogger);
  }
  const method = req.method;
  const upper = method == null ? 'GET' : method.toUpperCase();
  const normalized = method == null ? 'GET' : KNOWN_METHODS.has(upper) ? upper : '_OTHER';
  const attributes: Attributes = {
    'http.request.method': normalized,
    'url.scheme': 'http',
    'network.peer.address': req.socket.remoteAddress,
    'network.peer.port': req.socket.remotePort,
    'network.protocol.version': req.httpVersion,
    'user_agent.original': headers['user-agent'],
    'url.path': path,
  };
  if (method !== normalized) attributes['http.request.method_original'] = method;
  return Object.assign(attributes, edgeRequestAttributes(req, clientAddress));
}
