import { Metadata } from '@grpc/grpc-js';

/**
 * Metadata carrying `authorization: Bearer <token>` (when there is a token) and the end client's
 * address (when given), or empty metadata.
 */
export function bearerMetadata(token: string | undefined, clientAddress?: string): Metadata {
  const md = new Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  if (clientAddress) md.set(CLIENT_ADDRESS_KEY, clientAddress);
  return md;
}

/** The bearer token in `authorization` metadata, or undefined. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  return typeof value === 'string' ? parseBearer(value) : undefined;
}

/** The token of an `Authorization: Bearer <token>` header value, or undefined. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}

/** Trailer a RESOURCE_EXHAUSTED / UNAVAILABLE answer carries: seconds until a retry may succeed. */
export const RETRY_AFTER_KEY = 'retry-after';

/** The seconds in a `retry-after` trailer, or undefined when absent or not a positive number. */
export function retryAfterOf(metadata: Metadata | undefined): number | undefined {
  const value = metadata?.get(RETRY_AFTER_KEY)[0];
  const seconds = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  return seconds > 0 ? seconds : undefined;
}

/**
 * Metadata key of the end client's address, as the gateway saw it (after its trusted-proxy
 * rule). Only the throttles read it: the auth service's for logins, the user service's for
 * registrations. Both services are internal, so they trust their callers for this as for
 * everything else.
 */
export const CLIENT_ADDRESS_KEY = 'x-client-address';

/** The client address the gateway forwarded, or undefined. */
export function clientAddressOf(metadata: Metadata): string | undefined {
  const value = metadata.get(CLIENT_ADDRESS_KEY)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
