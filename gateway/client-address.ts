import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * Validates TRUST_PROXY entries (addresses, CIDR ranges, or `loopback` / `linklocal` /
 * `uniquelocal`) as proxy-addr reads them; returns the problem, or undefined when all are valid.
 */
export function trustProxyProblem(entries: readonly string[]): string | undefined {
  try {
    proxyaddr.compile([...entries]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * How the gateway finds a request's client address: the socket's peer, unless that peer is a
 * trusted proxy (TRUST_PROXY), in which case X-Forwarded-For is walked from the right, past
 * trusted hops, to the first address that is not one. With no trusted proxy the header is ignored,
 * so a client cannot pick its own address (and dodge the login throttle) by sending one.
 */
export function clientAddressResolver(trusted: readonly string[]): (req: IncomingMessage) => string | undefined {
  if (trusted.length === 0) return (req) => req.socket?.remoteAddress;
  const trust = proxyaddr.compile([...trusted]);
  return (req) => proxyaddr(req, trust);
}
