// Entry point of the gateway: node --require ./dist/gateway/telemetry.js ./dist/gateway/main.js
import { createLogger } from '../shared/logging/logger';
import { runProcess } from '../shared/process/run-process';
import { loadGatewayConfig } from './config';
import { startGateway } from './start-gateway';

const config = loadGatewayConfig();
const logger = createLogger('gateway', config.LOG_LEVEL);
void runProcess(logger, () => startGateway(config, logger), { host: config.GATEWAY_HOST });
