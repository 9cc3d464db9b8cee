// What is never traced and what is never recorded, in one place for both instrumentation modes
// (the stock instrumentations' options and the lean choke points read the same lists).

/** Paths that never get a span: liveness and readiness probes. */
export const UNTRACED_PATHS = new Set(['/health', '/ready']);

/** gRPC methods that never get a span: health checks and reflection (grpcurl, ghz). */
export const UNTRACED_GRPC_METHODS = ['Check', 'Watch', 'ServerReflectionInfo'];

/** Query parameters whose values are replaced by REDACTED on HTTP server spans. */
export const REDACTED_QUERY_PARAMS = [
  'access_token', 'accessToken', 'refresh_token', 'refreshToken', 'id_token', 'token', 'code', 'password',
  'secret', 'client_secret', 'api_key', 'apikey', 'key', 'sig', 'signature', 'X-Amz-Signature',
  'X-Amz-Credential', 'X-Goog-Signature', 'AWSAccessKeyId', 'Signature', 'session',
];

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
