import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * How the gateway finds a request's client address: the socket's peer, unless that peer is a
 * trusted proxy (TRUST_PROXY), in which case X-Forwarded-For is walked from the right, past
 * trusted hops, to the first address that is not one. With no trusted proxy the header is ignored,
 * so a client cannot pick its own address (and dodge the login throttle) by sending one.
 */
export function clientAddressResolver(trusted: readonly string[]): (req: IncomingMessage) => string | undefined {
  if (trusted.length === 0) return (req) => req.socket?.remoteAddress;
  const trust = proxyaddr.compile([...trusted]);
  // Walking X-Forwarded-For is done once a request: the edge server (trace context trust) and
  // the procedures' context both ask. Remembered on the request, as this resolver found it.
  const known = Symbol('clientAddress');
  return (req) => {
    const r = req as IncomingMessage & { [known]?: string | undefined };
    if (!(known in r)) r[known] = proxyaddr(req, trust);
    return r[known];
  };
}
