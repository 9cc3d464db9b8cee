import type { Client } from '@grpc/grpc-js';
import { AuthServiceClient } from '../gen/auth/v1/auth';
import { UserServiceClient } from '../gen/user/v1/user';
import { createClient, type ClientConstructor } from '../shared/grpc/client';
import { serviceIdentity } from '../shared/grpc/service-identity';
import { readServiceTls, type GrpcTlsSettings } from '../shared/grpc/tls';
import type { GatewayConfig } from './config';
import { createHealthClient, type HealthTarget } from './health';

/**
 * The services the gateway calls, by process name (`user` is served by `user-service`, the identity
 * its certificate must prove): each one's generated client and the config key of its target.
 * Procedures reach them as `ctx.clients.<name>`, and `/ready` asks each one's health.
 * `npm run new:service` adds a line here.
 */
export const DOWNSTREAM = {
  user: { Client: UserServiceClient, target: 'USER_SERVICE_URL' },
  auth: { Client: AuthServiceClient, target: 'AUTH_SERVICE_URL' },
} as const satisfies Record<string, { Client: ClientConstructor<Client> & { serviceName: string }; target: keyof GatewayConfig }>;

type Downstream = typeof DOWNSTREAM;

/** The name of a service the gateway calls (`user`, `auth`, ...). */
export type DownstreamName = keyof Downstream;

/** The gRPC clients the gateway uses, created once per process. */
export type GatewayClients = { readonly [K in DownstreamName]: InstanceType<Downstream[K]['Client']> } & {
  /** Health clients for `/ready`; same address and options, so grpc-js reuses the connections. */
  readonly health: Record<DownstreamName, HealthTarget>;
  /** Closes every channel; calls in flight fail with CANCELLED. */
  close(): void;
};

/**
 * Creates a client and a health client for each of {@link DOWNSTREAM} at its configured target,
 * all over mutual TLS as the gateway (GRPC_TLS_*), each accepting only its own service's identity.
 */
export function createGatewayClients(config: Pick<GatewayConfig, Downstream[DownstreamName]['target']> & GrpcTlsSettings): GatewayClients {
  const tls = readServiceTls(config);
  const names = Object.keys(DOWNSTREAM) as DownstreamName[];
  const clients = Object.fromEntries(
    names.map((name) => {
      const { Client, target } = DOWNSTREAM[name];
      return [name, createClient(Client as ClientConstructor<InstanceType<typeof Client>>, config[target], tls, { server: serviceIdentity(name) })];
    }),
  ) as { [K in DownstreamName]: InstanceType<Downstream[K]['Client']> };
  const health = Object.fromEntries(
    names.map((name) => {
      const { Client, target } = DOWNSTREAM[name];
      return [name, { client: createHealthClient(config[target], Client.serviceName, serviceIdentity(name), tls), service: Client.serviceName }];
    }),
  ) as Record<DownstreamName, HealthTarget>;
  return {
    ...clients,
    health,
    close() {
      for (const name of names) {
        clients[name].close();
        health[name].client.close();
      }
    },
  };
}
