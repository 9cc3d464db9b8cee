import { AuthServiceClient } from '../gen/auth/v1/auth';
import { UserServiceClient } from '../gen/user/v1/user';
import { createClient } from '../shared/grpc/client';
import type { GatewayConfig } from './config';
import { createHealthClient, type HealthTargets } from './health';

/** The gRPC clients the gateway uses, created once per process. */
export interface GatewayClients {
  user: UserServiceClient;
  auth: AuthServiceClient;
  /** Health clients for `/ready`; same address and options, so grpc-js reuses the connections. */
  health: HealthTargets;
  /** Closes every channel; calls in flight fail with CANCELLED. */
  close(): void;
}

/** Creates the user, auth and health clients for the configured service targets. */
export function createGatewayClients(
  config: Pick<GatewayConfig, 'USER_SERVICE_URL' | 'AUTH_SERVICE_URL'>,
): GatewayClients {
  const user = createClient(UserServiceClient, config.USER_SERVICE_URL);
  const auth = createClient(AuthServiceClient, config.AUTH_SERVICE_URL);
  const health: HealthTargets = {
    user: createHealthClient(config.USER_SERVICE_URL, UserServiceClient.serviceName),
    auth: createHealthClient(config.AUTH_SERVICE_URL, AuthServiceClient.serviceName),
  };
  return {
    user,
    auth,
    health,
    close() {
      for (const client of [user, auth, health.user, health.auth]) client.close();
    },
  };
}
