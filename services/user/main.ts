// Entry point of the user service: node --require ./dist/services/user/telemetry.js ./dist/services/user/main.js
import { loadConfigOrExit } from '../../shared/config/load-config';
import { createLogger } from '../../shared/logging/logger';
import { onShutdownSignal } from '../../shared/process/shutdown';
import { shutdownTelemetry } from '../../shared/telemetry/bootstrap';
import { userConfigFile, userConfigSchema } from './config';
import { startUserService } from './start-user-service';
import { USER_SERVICE_NAME } from './user-handlers';

async function main(): Promise<void> {
  const config = loadConfigOrExit(userConfigSchema, { file: userConfigFile });
  const logger = createLogger(USER_SERVICE_NAME, config.LOG_LEVEL);
  let service;
  try {
    service = await startUserService(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await shutdownTelemetry();
    process.exit(1);
  }
  const running = service;
  onShutdownSignal(logger, async () => {
    // Server drain, auth channel, database: in that order, inside running.shutdown().
    await running.shutdown();
    // Last, so spans of the drained calls are still exported.
    await shutdownTelemetry();
  });
  logger.info({ port: running.port, host: config.USER_SERVICE_HOST, authService: config.AUTH_SERVICE_URL }, 'ready');
}

void main();
