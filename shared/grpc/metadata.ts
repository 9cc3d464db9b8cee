import { Metadata } from '@grpc/grpc-js';

/** Metadata carrying `authorization: Bearer <token>`, or empty metadata without a token. */
export function bearerMetadata(token: string | undefined): Metadata {
  const md = new Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
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
