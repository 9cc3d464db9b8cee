// Entry point of the auth service: node --require ./dist/services/auth/telemetry.js ./dist/services/auth/main.js
import { loadConfigOrExit } from '../../shared/config/load-config';
import { createLogger } from '../../shared/logging/logger';
import { onShutdownSignal } from '../../shared/process/shutdown';
import { shutdownTelemetry } from '../../shared/telemetry/bootstrap';
import { AUTH_SERVICE_NAME } from './auth-handlers';
import { authConfigFile, authConfigSchema } from './config';
import { startAuthService } from './start-auth-service';

async function main(): Promise<void> {
  const config = loadConfigOrExit(authConfigSchema, { file: authConfigFile });
  const logger = createLogger(AUTH_SERVICE_NAME, config.LOG_LEVEL);
  let service;
  try {
    service = await startAuthService(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await shutdownTelemetry();
    process.exit(1);
  }
  const running = service;
  onShutdownSignal(logger, async () => {
    // Server drain, then the database: in that order, inside running.shutdown().
    await running.shutdown();
    // Last, so spans of the drained calls are still exported.
    await shutdownTelemetry();
  });
  logger.info({ port: running.port, host: config.AUTH_SERVICE_HOST, db: config.AUTH_DB_PATH }, 'ready');
}

void main();
