import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';

// What an HTTP server span records of a request where this project departs from the stock http
// instrumentation, in both instrumentation modes (lean's lean/http-attributes.ts applies it, auto
// mode's HttpInstrumentation takes it as its `startIncomingSpanHook`, whose attributes win over
// its own):
// - no `url.query`: a query's values are whatever the client put there (a password under any
//   name, a tRPC `input` holding one, a token); no list of names can tell the safe ones, so none
//   is recorded, and its names go with them (a bare `?<token>` is a name);
// - `client.address` is the address the gateway's trust rules resolved (TRUST_PROXY, through the
//   same resolver as the throttles), else the socket's peer: never `Forwarded` or
//   `X-Forwarded-For` as the caller wrote them;
// - `server.address`/`server.port` from the `Host` header only, never `Forwarded` or
//   `X-Forwarded-Host`: nothing in the gateway believes a forwarded host.

/**
 * `server.address` and `server.port` of a `Host` header, as the stock instrumentation parses one
 * for a plain http request (its parseHostHeader): no port means 80; an IPv6 literal keeps its
 * brackets.
 */
function hostAttributes(host: string | undefined): { address?: string; port?: number } {
  if (!host) return {};
  const parts = host.split(':');
  if (parts.length === 1) return { address: host, port: 80 };
  if (parts.length === 2) return { address: parts[0], port: Number(parts[1]) };
  if (host.startsWith('[')) {
    if (host.endsWith(']')) return { address: host, port: 80 };
    if (parts.at(-2)?.endsWith(']')) return { address: parts.slice(0, -1).join(':'), port: Number(parts.at(-1)) };
  }
  return { address: host };
}

/**
 * The HTTP server span's attributes that follow this project's rules rather than the stock
 * instrumentation's (undefined: not recorded). `clientAddress`: the client address as the
 * gateway's trust rules resolved it; the socket's peer when not given.
 */
export function edgeRequestAttributes(req: IncomingMessage, clientAddress?: string): Attributes {
  const host = hostAttributes(req.headers.host);
  return {
    'url.query': undefined,
    'client.address': clientAddress ?? req.socket.remoteAddress,
    'server.address': host.address,
    'server.port': host.port,
  };
}
