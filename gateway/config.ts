import path from 'node:path';
import { z } from 'zod';
import { commonConfig } from '../shared/config/common';
import { grpcTarget, list, port } from '../shared/config/fields';
import { loadConfigOrExit } from '../shared/config/load-config';
import { projectRoot } from '../shared/paths';
import { trustProxyProblem } from './client-address';

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
  /**
   * Proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`, ...): the client
   * address the login and registration throttles count. Empty: the socket's peer, the header ignored.
   */
  TRUST_PROXY: list([]).superRefine((entries, ctx) => {
    const problem = trustProxyProblem(entries);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be addresses, CIDR ranges or loopback/linklocal/uniquelocal: ${problem}` });
  }),
  ...commonConfig,
});

/** Validated gateway configuration. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** The gateway's config.yaml (environment variables override it). */
export const gatewayConfigFile = path.join(projectRoot, 'gateway', 'config.yaml');

/** Loads the gateway config from the environment over config.yaml; exits the process if invalid. */
export function loadGatewayConfig(): GatewayConfig {
  return loadConfigOrExit(gatewayConfigSchema, { file: gatewayConfigFile });
}
