import type { RunningConfig } from './bench-stack';
import { ghzArgs, runGhz, type GhzLoad } from './ghz-load';
import { runHttpLoad, type HttpLoad } from './http-load';
import type { LoadResult } from './load-result';
import type { LoadName } from './loads';

/** How hard and how long a load runs. */
export interface LoadShape {
  concurrency: number;
  durationS: number;
  ghzCpus: number;
  /** Offered requests per second (open loop); 0 = closed loop. */
  rate: number;
  /** A W3C `traceparent` every request carries, as from a caller inside a trace (--unsampled-caller). */
  callerTraceparent?: string;
}

/**
 * The `traceparent` of a caller that is itself traced but did not sample its trace (flags 00):
 * every hop carries the trace context, and with parent-based sampling nothing is recorded.
 */
export const UNSAMPLED_CALLER_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

/** A load made concrete for one running configuration. */
export type PlannedLoad = { tool: 'ghz'; ghz: GhzLoad } | { tool: 'autocannon'; http: HttpLoad };

// Per-request timeout of autocannon; the gateway's own gRPC deadline (5 s) answers first.
const HTTP_TIMEOUT_S = 10;

const USER_PROTO = { file: 'proto/user/v1/user.proto', importPath: 'proto' };
const AUTH_PROTO = { file: 'proto/auth/v1/auth.proto', importPath: 'proto' };

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`this configuration has no ${what}`);
  return value;
}

/** Builds the concrete request of `load` against `running` (addresses, the bench user's id and token). */
export function planLoad(load: LoadName, running: RunningConfig, shape: LoadShape): PlannedLoad {
  const ghz = (target: string, call: string, proto: GhzLoad['proto'], data: Record<string, unknown>, metadata?: Record<string, string>): PlannedLoad => ({
    tool: 'ghz',
    ghz: { target, tls: running.clientTls, call, proto, data, metadata, concurrency: shape.concurrency, durationS: shape.durationS, cpus: shape.ghzCpus, rps: shape.rate },
  });
  const http = (method: HttpLoad['method'], pathAndQuery: string, headers: Record<string, string>, body?: string): PlannedLoad => ({
    tool: 'autocannon',
    http: {
      url: `${running.gatewayUrl}${pathAndQuery}`,
      method,
      headers,
      body,
      connections: shape.concurrency,
      overallRate: shape.rate,
      durationS: shape.durationS,
      timeoutS: HTTP_TIMEOUT_S,
    },
  });
  if (load === 'ghz-get-user-c1') return planLoad('ghz-get-user', running, shape);
  if (load === 'rest-get-user-c1') return planLoad('rest-get-user', running, shape);

  const account = need(running.account, 'bench user');
  // The caller's trace context when the shape gives one, on every request; the bearer token on all but login.
  const caller: Record<string, string> = shape.callerTraceparent ? { traceparent: shape.callerTraceparent } : {};
  const auth = { authorization: `Bearer ${account.accessToken}`, ...caller };
  switch (load) {
    case 'ghz-get-user':
      return ghz(running.userAddr, 'user.v1.UserService/GetUser', USER_PROTO, { id: account.id }, auth);
    case 'ghz-validate-token':
      return ghz(running.authAddr, 'auth.v1.AuthService/ValidateToken', AUTH_PROTO, {}, auth);
    case 'rest-get-user':
      return http('GET', `/api/v1/users/${encodeURIComponent(account.id)}`, auth);
    case 'trpc-get-user':
      return http('GET', `/trpc/users.get?input=${encodeURIComponent(JSON.stringify({ id: account.id }))}`, auth);
    case 'rest-login':
      return http('POST', '/api/v1/auth/login', { 'content-type': 'application/json', ...caller }, JSON.stringify({ email: account.email, password: account.password }));
  }
}

/** Runs a planned load; `onStart` gets the load generator's pid. */
export function runPlanned(planned: PlannedLoad, onStart?: (pid: number) => void, signal?: AbortSignal): Promise<LoadResult> {
  return planned.tool === 'ghz' ? runGhz(planned.ghz, onStart, signal) : runHttpLoad(planned.http, onStart, signal);
}

/** A shell-ish rendering of the load for the report, with the token and password masked. */
export function describePlanned(planned: PlannedLoad): string {
  if (planned.tool === 'ghz') {
    const masked = { ...planned.ghz, metadata: planned.ghz.metadata ? { ...planned.ghz.metadata, authorization: 'Bearer <token>' } : undefined };
    return `ghz ${ghzArgs(masked)
      .map((a) => (/^[\w./:=-]+$/.test(a) ? a : `'${a}'`))
      .join(' ')}`;
  }
  const h = planned.http;
  const headers = Object.keys(h.headers).map((k) => `-H '${k}: ${k === 'authorization' ? 'Bearer <token>' : h.headers[k]}'`);
  const body = h.body ? ` -b '${h.body.replace(/"password":"[^"]*"/, '"password":"<password>"')}'` : '';
  return `autocannon -c ${h.connections}${h.overallRate ? ` --overallRate ${h.overallRate}` : ''} -d ${h.durationS} -m ${h.method} ${headers.join(' ')}${body} '${new URL(h.url).pathname}${new URL(h.url).search}'`;
}
