// Preloaded with `node --require` before main.js, so the OpenTelemetry instrumentations patch
// grpc-js, http, express and pino before any of them is first required.
import path from 'node:path';
import { startTelemetry } from '../shared/telemetry/bootstrap';
import { projectRoot } from '../shared/paths';

startTelemetry({ defaultServiceName: 'gateway', configFile: path.join(projectRoot, 'gateway', 'config.yaml') });
