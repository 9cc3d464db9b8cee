// What is never traced, in one place for both instrumentation modes (the stock instrumentations'
// options and the lean choke points read the same lists). What a traced request's span never
// records is edge-attributes.ts.

/** Paths that never get a span: liveness and readiness probes. */
export const UNTRACED_PATHS = new Set(['/health', '/ready']);

/** gRPC methods that never get a span: health checks and reflection (grpcurl, ghz). */
export const UNTRACED_GRPC_METHODS = ['Check', 'Watch', 'ServerReflectionInfo'];

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
