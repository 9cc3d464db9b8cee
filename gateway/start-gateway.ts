import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logging/logger';
import type { RunningServer } from '../shared/process/run-process';
import { traceContextTrust } from '../shared/telemetry/edge-trust';
import { createApp } from './app';
import { clientAddressResolver } from './client-address';
import { trustedTraceCallers, type GatewayConfig } from './config';
import { createGatewayClients } from './grpc-clients';
import { EdgeServer } from './http-tracing/edge-server';

/** Starts the gateway's HTTP server; shutdown stops accepting, drains requests, closes the gRPC clients. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningServer> {
  const clients = createGatewayClients(config);
  const clientAddress = clientAddressResolver(config.TRUST_PROXY);
  const app = createApp({ config, clients, logger, clientAddress });
  const trusts = traceContextTrust(trustedTraceCallers(config));
  const server = new EdgeServer(app, (req) => trusts(clientAddress(req)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    async shutdown() {
      // Stop accepting connections and let in-flight requests finish, up to the timeout.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'drain timed out: closing connections');
          server.closeAllConnections();
          resolve();
        }, config.SHUTDOWN_TIMEOUT_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      clients.close();
    },
  };
}
