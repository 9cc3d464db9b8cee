// Entry point of the gateway, started after the tracing preload (the node flags: docs/tracing.md).
import { createLogger } from '../shared/logging/logger';
import { runProcess } from '../shared/process/run-process';
import { loadGatewayConfig } from './config';
import { startGateway } from './start-gateway';

const config = loadGatewayConfig();
const logger = createLogger('gateway', config.LOG_LEVEL);
void runProcess(logger, () => startGateway(config, logger), { host: config.GATEWAY_HOST });
