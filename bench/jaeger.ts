import fs from 'node:fs';
import { stop, type LaunchedProcess } from '../scripts/stack/launch';
import { jaegerBinary } from '../scripts/stack/go-tools';
import { freeJaegerPorts, jaegerArgs, jaegerEnv, jaegerUrls, waitForJaegerHealth } from '../scripts/stack/jaeger-process';
import { spawnTracked } from './children';

/** A Jaeger v2 the harness started on free loopback ports, in memory. */
export interface BenchJaeger {
  proc: LaunchedProcess;
  /** OTLP/HTTP traces URL (`.../v1/traces`). */
  otlpHttpUrl: string;
  /** Query API base URL (`/api/v3/...`). */
  queryUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts Jaeger with scripts/jaeger/config.yaml on free ports and resolves once its health check
 * answers. Storage is capped (JAEGER_MAX_TRACES) so a long run cannot grow it without bound.
 */
export async function startJaeger(maxTraces = 20_000, timeoutMs = 30_000): Promise<BenchJaeger> {
  if (!fs.existsSync(jaegerBinary)) throw new Error(`${jaegerBinary} is missing: run \`bash scripts/tools.sh jaeger\``);
  const ports = await freeJaegerPorts();
  const proc = spawnTracked({
    name: 'jaeger',
    command: jaegerBinary,
    args: jaegerArgs,
    env: { ...jaegerEnv(ports), JAEGER_MAX_TRACES: String(maxTraces), JAEGER_LOG_LEVEL: 'warn' },
  });
  try {
    await waitForJaegerHealth(ports, () => proc.running, () => proc.describeTail(), timeoutMs);
  } catch (err) {
    await stop(proc, 'SIGKILL');
    throw err;
  }
  const { otlpHttpUrl, queryUrl } = jaegerUrls(ports);
  return {
    proc,
    otlpHttpUrl,
    queryUrl,
    stop: async () => {
      await stop(proc, 'SIGTERM', 10_000);
    },
  };
}
