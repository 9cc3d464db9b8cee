// The tracing preload of every process: `node --require ./dist/shared/telemetry/preload.js
// ./dist/<folder>/main.js`, flags kept once, in the Dockerfile's NODE_OPTIONS (docs/tracing.md).
// It runs before main so that tracing is chosen, and with `instrumentation: auto` the stock
// instrumentations have patched their modules, before any of them is first required. The process
// is named by its own config.yaml (`tracing.service_name`), found from its main module.
import { entryDefaults, startTelemetry } from './bootstrap';

startTelemetry(entryDefaults(process.argv[1]));
