// Microbenchmark of one log line: the project's logger (shared/logging/logger.ts: pino redacting
// the named paths, redaction.ts the secret keys one object down) against pino configured with the
// `*.` wildcard paths it replaced, and pino with no redaction at all, on the request line the
// gateway writes, with and without the three trace fields.
//
//   npx tsc -p tsconfig.json && node dist/bench/log-micro.js [--rounds 5] [--lines 200000]
//
// Lines go to /dev/null through a synchronous destination. Rounds alternate between the loggers
// so drift hits all alike; the median round is reported, in µs per line.
import pino, { type Logger } from 'pino';
import { createLogger } from '../shared/logging/logger';
import { CENSOR } from '../shared/logging/redaction';
import { numberArg } from './micro-arg';

const WILDCARD_PATHS = [
  'password', '*.password', 'token', '*.token', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken',
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie',
];

const destination = pino.destination({ dest: '/dev/null', sync: true });
const common = { level: 'info', base: { service: 'gateway', service_instance_id: 'vm-1234' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } };
const LOGGERS: Record<string, Logger> = {
  'project logger': createLogger('gateway', 'info', destination),
  'pino, wildcard paths': pino({ ...common, redact: { paths: WILDCARD_PATHS, censor: CENSOR } }, destination),
  'pino, no redaction': pino(common, destination),
};

const untraced = () => ({ method: 'GET', path: '/api/v1/users/:id', status: 200, durationMs: 1.234, user_id: '1727590b-fe69-4fb4-8c7a-636aca7d7ac5' });
const traced = () => ({ ...untraced(), trace_id: 'b2a74141a156cb4095cc747f0d41fa53', span_id: 'f9c8e102ba1c4b40', trace_flags: '01' });
const LINES = { untraced, traced };

function measure(logger: Logger, line: () => object, lines: number): number {
  for (let i = 0; i < lines / 10; i++) logger.info(line(), 'request');
  const start = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) logger.info(line(), 'request');
  return Number(process.hrtime.bigint() - start) / lines / 1000;
}

const rounds = numberArg('rounds', 5);
const lines = numberArg('lines', 200_000);
const results: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, logger] of Object.entries(LOGGERS)) {
    for (const [kind, line] of Object.entries(LINES)) (results[`${name}, ${kind}`] ??= []).push(measure(logger, line, lines));
  }
}
for (const [name, values] of Object.entries(results)) {
  values.sort((a, b) => a - b);
  console.log(`${name.padEnd(36)} ${values[Math.floor(values.length / 2)]!.toFixed(2)} µs/line (min ${values[0]!.toFixed(2)})`);
}
