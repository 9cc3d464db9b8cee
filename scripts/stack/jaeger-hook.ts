import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../shared/paths';
import { jaegerBinary } from './go-tools';
import type { StartHook } from './start-hook';

const run = promisify(execFile);
const script = path.join(projectRoot, 'scripts/jaeger.sh');
const binary = jaegerBinary;
const healthUrl = `http://127.0.0.1:${process.env.JAEGER_HEALTH_PORT ?? '13133'}/status`;
const queryUrl = `http://localhost:${process.env.JAEGER_QUERY_PORT ?? '16686'}`;

/** Whether a Jaeger answers its health check on the configured (JAEGER_HEALTH_PORT) port. */
export async function localJaegerAnswers(): Promise<boolean> {
  try {
    return (await fetch(healthUrl, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

const where = [
  `traces: npm run trace -- <trace id> (the traceresponse header's, or trace_id in a log line), or npm run trace -- --last`,
  `        Jaeger's API: ${queryUrl}/api/v3/traces/<id> (its UI only with Docker: docker compose up)`,
];

/**
 * `npm start` brings Jaeger along: it reuses one already listening on the configured ports,
 * starts the locally built one otherwise (and stops it again on exit), and only says how to
 * build it when it is not there. The services never wait for it: tracing degrades, requests don't.
 */
export const jaegerHook: StartHook = {
  name: 'jaeger',
  async beforeStart() {
    if (await localJaegerAnswers()) return { readyLines: [`Jaeger: already running, reused`, ...where] };
    if (!fs.existsSync(binary)) {
      return {
        readyLines: [
          'Jaeger: not built, so tracing has no collector: spans are made but not kept. Install Go (see above) and',
          '        run npm start again, or point TRACING_COLLECTOR_URL / OTEL_EXPORTER_OTLP_ENDPOINT at your own collector.',
        ],
      };
    }
    const { stdout } = await run('bash', [script, 'start']);
    process.stdout.write(stdout);
    return {
      readyLines: ['Jaeger: started (in-memory, loopback; stopped with the services)', ...where],
      afterStop: async () => {
        await run('bash', [script, 'stop']);
      },
    };
  },
};
