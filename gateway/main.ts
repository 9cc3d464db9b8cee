import type { AddressInfo } from 'node:net';
import { createLogger } from '../shared/logging/logger';
import { onShutdownSignal } from '../shared/process/shutdown';
import { shutdownTelemetry } from '../shared/telemetry/bootstrap';
import { createApp } from './app';
import { loadGatewayConfig } from './config';
import { createGatewayClients } from './grpc-clients';

const config = loadGatewayConfig();
const logger = createLogger('gateway', config.LOG_LEVEL);
const clients = createGatewayClients(config);
const app = createApp({ config, clients, logger });

const server = app.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, (err?: Error) => {
  if (err) {
    logger.fatal({ err }, 'cannot listen');
    process.exit(1);
  }
  const { port } = server.address() as AddressInfo;
  logger.info({ host: config.GATEWAY_HOST, port }, 'ready');
});

onShutdownSignal(logger, async () => {
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
  await shutdownTelemetry();
});
