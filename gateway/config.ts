import path from 'node:path';
import { z } from 'zod';
import { commonConfig } from '../shared/config/common';
import { addressListProblem, list, port, positiveInt } from '../shared/config/fields';
import { grpcTlsKeys } from '../shared/config/grpc-tls';
import { grpcTarget } from '../shared/grpc/target';
import { loadConfigOrExit } from '../shared/config/load-config';
import { projectRoot } from '../shared/paths';
import { trustedCallersProblem, TRUST_EVERY_CALLER } from '../shared/telemetry/edge-trust';

/** TRPC_MAX_BATCH when unset; a client's batching link should send no more (`maxItems`). */
export const DEFAULT_TRPC_MAX_BATCH = 10;

/** The gateway's config keys (environment names; config.yaml spells them as nested keys). */
export const gatewayConfigSchema = z.object({
  /** Interface the HTTP server binds. */
  GATEWAY_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  /** HTTP port; 0 picks a free one. */
  GATEWAY_PORT: port(8080),
  /** The user service's instances: a gRPC target (host:port, dns:///name:port, ipv4:a:p,b:p). */
  USER_SERVICE_URL: grpcTarget('127.0.0.1:50051'),
  /** The auth service's instances, as a gRPC target. */
  AUTH_SERVICE_URL: grpcTarget('127.0.0.1:50052'),
  /** The gateway's mutual-TLS identity (`gateway`), presented on every call to a service. */
  ...grpcTlsKeys('gateway'),
  /**
   * Most procedure calls one tRPC batch request (`/trpc/a,b,c?batch=1`) may name; a longer batch is
   * refused before any of them runs, so one request costs at most this many procedures' work.
   */
  TRPC_MAX_BATCH: positiveInt(DEFAULT_TRPC_MAX_BATCH),
  /**
   * Proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`, ...): the client
   * address the login and registration throttles count. Empty: the socket's peer, the header ignored.
   */
  TRUST_PROXY: list([]).superRefine((entries, ctx) => {
    const problem = addressListProblem(entries);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be addresses, CIDR ranges or loopback/linklocal/uniquelocal: ${problem}` });
  }),
  /**
   * Callers whose W3C trace context (traceparent, tracestate, baggage) the gateway continues:
   * `*` (everyone), or addresses, CIDR ranges and `loopback`/`linklocal`/`uniquelocal`, matched
   * against the client address TRUST_PROXY resolved. Anyone else starts a new trace, linked to
   * theirs. Unset: everyone in development and test, nobody with NODE_ENV=production
   * ({@link trustedTraceCallers}).
   */
  TRUST_TRACE_CONTEXT: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .superRefine((entries, ctx) => {
      const problem = trustedCallersProblem(entries);
      if (problem) ctx.addIssue({ code: 'custom', message: `must be ${TRUST_EVERY_CALLER} or addresses, CIDR ranges or loopback/linklocal/uniquelocal: ${problem}` });
    })
    .optional(),
  ...commonConfig,
});

/** Validated gateway configuration. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/**
 * Who may steer tracing through the gateway: TRUST_TRACE_CONTEXT, or when it is unset everyone
 * in development and test (local tools and tests continue their traces) and nobody with
 * NODE_ENV=production, where the gateway faces callers it does not know.
 */
export function trustedTraceCallers(config: Pick<GatewayConfig, 'TRUST_TRACE_CONTEXT' | 'NODE_ENV'>): string[] {
  return config.TRUST_TRACE_CONTEXT ?? (config.NODE_ENV === 'production' ? [] : [TRUST_EVERY_CALLER]);
}

/** The gateway's config.yaml (environment variables override it). */
export const gatewayConfigFile = path.join(projectRoot, 'gateway', 'config.yaml');

/** Loads the gateway config from the environment over config.yaml; exits the process if invalid. */
export function loadGatewayConfig(): GatewayConfig {
  return loadConfigOrExit(gatewayConfigSchema, { file: gatewayConfigFile });
}
