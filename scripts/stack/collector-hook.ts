import fs from 'node:fs';
import { collectorTierPortsFrom, startCollectorTier } from './collector-tier';
import { jaegerBinary } from './go-tools';
import { localJaegerAnswers } from './jaeger-hook';
import type { StartHook } from './start-hook';

/**
 * `npm start -- --collector`: instead of one in-memory Jaeger, the two tiers of
 * deploy/jaeger-collector.yaml and deploy/jaeger-query.yaml: the collector on the ports the
 * services already export to (4317/4318), tail-sampling and deriving RED metrics, in front of a
 * query Jaeger that keeps traces in Badger (.data/jaeger-badger) across restarts. The configs'
 * port variables (COLLECTOR_OTLP_HTTP_PORT, JAEGER_QUERY_PORT, ...) and JAEGER_BADGER_DIR move
 * them; the services are pointed at wherever the collector listens.
 */
export const collectorHook: StartHook = {
  name: 'collector tier',
  async beforeStart() {
    if (await localJaegerAnswers()) {
      throw new Error('a Jaeger already answers on the default ports (scripts/jaeger.sh status): stop it (scripts/jaeger.sh stop) to run the collector tier there');
    }
    if (!fs.existsSync(jaegerBinary)) {
      return { readyLines: ['Collector tier: Jaeger is not built (see above), so tracing has no collector; install Go and run npm start -- --collector again'] };
    }
    const ports = collectorTierPortsFrom(process.env);
    const { COLLECTOR_OTLP_HTTP_PORT, JAEGER_QUERY_PORT, COLLECTOR_METRICS_PORT } = ports;
    const tier = await startCollectorTier({
      ports,
      badgerDir: process.env.JAEGER_BADGER_DIR || undefined,
      onLine: (name, line, stream) => {
        if (stream === 'stderr' && /"level":"(error|warn)"|\berror\b/i.test(line)) process.stderr.write(`[jaeger-${name}] ${line}\n`);
      },
    });
    return {
      env: { TRACING_COLLECTOR_URL: tier.otlpHttpUrl },
      readyLines: [
        `Collector tier: collector on :${COLLECTOR_OTLP_HTTP_PORT} (tail sampling: errors, slow traces, 10% of the rest; deploy/jaeger-collector.yaml)`,
        `                query Jaeger with Badger storage (.data/jaeger-badger): http://localhost:${JAEGER_QUERY_PORT}/api/v3/traces/<id>`,
        `                RED metrics: http://localhost:${COLLECTOR_METRICS_PORT}/metrics`,
        '  traces:   npm run trace -- <trace id>, or npm run trace -- --last (only kept traces are there)',
      ],
      afterStop: () => tier.stop(),
    };
  },
};
