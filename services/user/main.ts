// Entry point of the user service, started after the tracing preload (the node flags: docs/tracing.md).
import { databaseSettings, describeDatabase } from '../../shared/config/database';
import { loadConfigOrExit } from '../../shared/config/load-config';
import { createLogger } from '../../shared/logging/logger';
import { runProcess } from '../../shared/process/run-process';
import { userConfigFile, userConfigSchema } from './config';
import { startUserService } from './start-user-service';
import { USER_SERVICE_NAME } from './user-handlers';

const config = loadConfigOrExit(userConfigSchema, { file: userConfigFile });
const logger = createLogger(USER_SERVICE_NAME, config.LOG_LEVEL);
// shutdown() drains the server, then closes the auth channel and the database.
void runProcess(logger, () => startUserService(config, logger), { host: config.USER_SERVICE_HOST, authService: config.AUTH_SERVICE_URL, db: describeDatabase(databaseSettings(config, 'USER')) });
