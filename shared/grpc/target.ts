import net from 'node:net';
import { z } from 'zod';

/** One `host:port` of a target; `host` is a name, an IPv4 address or an IPv6 address (no brackets). */
export interface TargetAddress {
  host: string;
  port: number;
}

/**
 * A gRPC channel target as this project accepts it: `host:port` (grpc-js resolves it through DNS
 * like `dns:`), `dns:[//authority/]name:port`, or a fixed list `ipv4:a:p,b:p` / `ipv6:[a]:p,[b]:p`.
 */
export interface GrpcTarget {
  scheme: 'dns' | 'ipv4' | 'ipv6';
  /** For `dns`, the one name to resolve; for `ipv4`/`ipv6`, every instance. */
  addresses: TargetAddress[];
  /** The DNS server of `dns://authority/name:port`, when one is given. */
  authority?: string;
}

/** Thrown by {@link parseTarget}; the message says what is wrong and which forms are accepted. */
export class TargetError extends Error {
  constructor(detail: string) {
    super(`${detail}; expected host:port, dns:///name:port, ipv4:a.b.c.d:port,... or ipv6:[addr]:port,...`);
    this.name = 'TargetError';
  }
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function parsePort(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new TargetError(`"${whole}": port must be 1..65535`);
  }
  return Number(text);
}

/** `name:port`, `a.b.c.d:port` or `[v6]:port`; the port is required (grpc-js would silently use 443). */
function parseHostPort(text: string, kind: 'name' | 'ipv4' | 'ipv6'): TargetAddress {
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(text);
  if (bracketed) {
    if (kind === 'ipv4' || !net.isIPv6(bracketed[1]!)) throw new TargetError(`"${text}": not an ${kind === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
    return { host: bracketed[1]!, port: parsePort(bracketed[2]!, text) };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new TargetError(`"${text}": missing :port`);
  const host = text.slice(0, colon);
  const port = parsePort(text.slice(colon + 1), text);
  const ok = kind === 'ipv4' ? net.isIPv4(host) : kind === 'ipv6' ? false : HOST_NAME.test(host) || net.isIPv4(host);
  if (!ok) throw new TargetError(`"${text}": ${kind === 'name' ? 'not a host name or IPv4 address (write IPv6 as [addr]:port)' : `not an ${kind === 'ipv4' ? 'IPv4' : 'bracketed IPv6'} address`}`);
  return { host, port };
}

/**
 * Parses and checks a channel target the way grpc-js will read it, so a typo is a config error
 * at start rather than a channel that never connects.
 */
export function parseTarget(target: string): GrpcTarget {
  const text = target.trim();
  if (text === '') throw new TargetError('empty target');
  const ip = /^(ipv4|ipv6):(.*)$/.exec(text);
  if (ip) {
    const scheme = ip[1] as 'ipv4' | 'ipv6';
    const parts = ip[2]!.split(',');
    if (parts.some((p) => p.trim() === '')) throw new TargetError(`"${text}": empty address in the list`);
    return { scheme, addresses: parts.map((p) => parseHostPort(p.trim(), scheme)) };
  }
  const dns = /^dns:(?:\/\/([^/]*)\/)?(.*)$/.exec(text);
  if (dns) {
    const authority = dns[1] || undefined;
    return { scheme: 'dns', addresses: [parseHostPort(dns[2]!, 'name')], ...(authority ? { authority } : {}) };
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) throw new TargetError(`"${text}": unsupported scheme`);
  return { scheme: 'dns', addresses: [parseHostPort(text, 'name')] };
}

/** `[v6]:port` or `host:port`. */
export function formatAddress(address: TargetAddress): string {
  return net.isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * The target that reaches every one of `addresses`: `host:port` for one, else `ipv4:`/`ipv6:`
 * followed by the list (grpc-js has no list form for names, so several instances need IP literals).
 */
export function targetFor(addresses: readonly TargetAddress[]): string {
  if (addresses.length === 0) throw new TargetError('no addresses');
  if (addresses.length === 1) return formatAddress(addresses[0]!);
  const scheme = addresses.every((a) => net.isIPv4(a.host)) ? 'ipv4' : addresses.every((a) => net.isIPv6(a.host)) ? 'ipv6' : undefined;
  if (!scheme) throw new TargetError(`${addresses.map(formatAddress).join(',')}: several instances need IP addresses of one family`);
  return `${scheme}:${addresses.map(formatAddress).join(',')}`;
}

/**
 * A config field holding a gRPC channel target, beside shared/config/fields.ts's builders:
 * `host:port`, `dns:///name:port` (every address the name resolves to), or a list of instances
 * `ipv4:a.b.c.d:port,...` / `ipv6:[addr]:port,...` ({@link parseTarget}).
 */
export const grpcTarget = (fallback: string) =>
  z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      try {
        parseTarget(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .default(fallback);
