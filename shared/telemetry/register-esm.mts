// The preload for ECMAScript-module apps: `node --import ./dist/shared/telemetry/register-esm.mjs app.mjs`.
// `--import` alone does not patch grpc-js for ESM importers: the import-in-the-middle loader hook
// has to be registered first, then the same bootstrap runs as for CommonJS (`--require`).
// The service name comes from TRACING_SERVICE_NAME / OTEL_SERVICE_NAME (default: the entry file).
import { createRequire, register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const require = createRequire(import.meta.url);
const { entryDefaults, startTelemetry } = require('./bootstrap.js') as typeof import('./bootstrap.js');

startTelemetry(entryDefaults(process.argv[1]));
