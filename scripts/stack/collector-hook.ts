import fs from 'node:fs';
import { collectorTierPortsFrom, startCollectorTier } from './collector-tier';
import { jaegerBinary, otelcolLbBinary, TOOLS_EXIT_NO_GO } from './go-tools';
import { runTools } from './go-tools-hook';
import { localJaegerAnswers } from './jaeger-hook';
import type { StartHook } from './start-hook';

/**
 * `npm start -- --collector`: instead of one in-memory Jaeger, the two tiers of
 * deploy/jaeger-collector.yaml and deploy/jaeger-query.yaml: the collector on the ports the
 * services already export to (4317/4318), tail-sampling and deriving RED metrics, in front of a
 * query Jaeger that keeps traces in Badger (.data/jaeger-badger) across restarts. The configs'
 * port variables (COLLECTOR_OTLP_HTTP_PORT, JAEGER_QUERY_PORT, ...) and JAEGER_BADGER_DIR move
 * them; the services are pointed at wherever the collector listens.
 *
 * `--collector N`: N such collectors ("samplers") behind the load-balancing layer
 * (deploy/otelcol-lb.yaml, built by `scripts/tools.sh otelcol-lb`, built here the first time),
 * which takes the collector's ports and routes every span by trace id; sampler i serves its RED
 * metrics on COLLECTOR_METRICS_PORT + i. A sampler that dies is restarted on the same ports.
 */
export function collectorHook(samplers?: number): StartHook {
  return {
    name: samplers === undefined ? 'collector tier' : `collector tier (${samplers} samplers)`,
    async beforeStart() {
      if (await localJaegerAnswers()) {
        throw new Error('a Jaeger already answers on the default ports (scripts/jaeger.sh status): stop it (scripts/jaeger.sh stop) to run the collector tier there');
      }
      if (!fs.existsSync(jaegerBinary)) {
        return { readyLines: ['Collector tier: Jaeger is not built (see above), so tracing has no collector; install Go and run npm start -- --collector again'] };
      }
      if (samplers !== undefined && !fs.existsSync(otelcolLbBinary)) {
        const code = await runTools(['otelcol-lb']);
        if (code !== 0 || !fs.existsSync(otelcolLbBinary)) {
          throw new Error(`--collector ${samplers}: the load-balancing layer (otelcol-lb) could not be built (scripts/tools.sh exit ${code}${code === TOOLS_EXIT_NO_GO ? ': Go is missing' : ''}, output above)`);
        }
      }
      const ports = collectorTierPortsFrom(process.env);
      const { COLLECTOR_OTLP_HTTP_PORT, JAEGER_QUERY_PORT, COLLECTOR_METRICS_PORT } = ports;
      const tier = await startCollectorTier({
        ports,
        samplers,
        badgerDir: process.env.JAEGER_BADGER_DIR || undefined,
        onLine: (name, line, stream) => {
          if (stream === 'stderr' && /"level":"(error|warn)"|\berror\b|restart/i.test(line)) process.stderr.write(`[${name === 'lb' ? 'otelcol-lb' : `jaeger-${name}`}] ${line}\n`);
        },
      });
      const sampling = 'tail sampling: errors, slow traces, 10% of the rest; deploy/jaeger-collector.yaml';
      const head =
        tier.samplers.length === 0
          ? [`Collector tier: collector on :${COLLECTOR_OTLP_HTTP_PORT} (${sampling})`, `                RED metrics: http://localhost:${COLLECTOR_METRICS_PORT}/metrics`]
          : [
              `Collector tier: load balancer on :${COLLECTOR_OTLP_HTTP_PORT} (deploy/otelcol-lb.yaml: every span to the sampler its trace id hashes to)`,
              `                ${tier.samplers.length} samplers (${sampling}), restarted on the same ports if one dies`,
              ...tier.samplers.map((s) => `                sampler ${s.index}: OTLP gRPC :${s.ports.otlpGrpc}, RED metrics: http://localhost:${s.ports.metrics}/metrics`),
              '                RED metrics summed over the samplers: see docs/collector-tier.md, "Several samplers"',
            ];
      return {
        env: { TRACING_COLLECTOR_URL: tier.otlpHttpUrl },
        readyLines: [
          ...head,
          `                query Jaeger with Badger storage (.data/jaeger-badger): http://localhost:${JAEGER_QUERY_PORT}/api/v3/traces/<id>`,
          '  traces:   npm run trace -- <trace id>, or npm run trace -- --last (only kept traces are there)',
        ],
        afterStop: () => tier.stop(),
      };
    },
  };
}
