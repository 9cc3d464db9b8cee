// Entry point of the auth service, started after the tracing preload (the node flags: docs/tracing.md).
import { databaseSettings, describeDatabase } from '../../shared/config/database';
import { loadConfigOrExit } from '../../shared/config/load-config';
import { createLogger } from '../../shared/logging/logger';
import { runProcess } from '../../shared/process/run-process';
import { AUTH_SERVICE_NAME } from './auth-handlers';
import { authConfigFile, authConfigSchema } from './config';
import { startAuthService } from './start-auth-service';

const config = loadConfigOrExit(authConfigSchema, { file: authConfigFile });
const logger = createLogger(AUTH_SERVICE_NAME, config.LOG_LEVEL);
// shutdown() drains the server, then closes the database.
void runProcess(logger, () => startAuthService(config, logger), { host: config.AUTH_SERVICE_HOST, db: describeDatabase(databaseSettings(config, 'AUTH')) });
