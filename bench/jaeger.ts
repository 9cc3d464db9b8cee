import fs from 'node:fs';
import path from 'node:path';
import { freePort, stop, type LaunchedProcess } from '../scripts/stack/launch';
import { projectRoot } from '../shared/paths';
import { spawnTracked } from './children';

/** The Jaeger binary scripts/tools.sh builds. */
export const JAEGER_BINARY = path.join(projectRoot, '.tools', 'bin', 'jaeger');

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
  if (!fs.existsSync(JAEGER_BINARY)) throw new Error(`${JAEGER_BINARY} is missing: run \`bash scripts/tools.sh jaeger\``);
  const ports = {
    JAEGER_QUERY_PORT: await freePort(),
    JAEGER_QUERY_GRPC_PORT: await freePort(),
    JAEGER_OTLP_HTTP_PORT: await freePort(),
    JAEGER_OTLP_GRPC_PORT: await freePort(),
    JAEGER_THRIFT_HTTP_PORT: await freePort(),
    JAEGER_HEALTH_PORT: await freePort(),
  };
  const env: Record<string, string> = { JAEGER_MAX_TRACES: String(maxTraces), JAEGER_LOG_LEVEL: 'warn' };
  for (const [key, value] of Object.entries(ports)) env[key] = String(value);
  const proc = spawnTracked({
    name: 'jaeger',
    command: JAEGER_BINARY,
    args: ['--config', path.join(projectRoot, 'scripts', 'jaeger', 'config.yaml')],
    env,
  });
  const health = `http://127.0.0.1:${ports.JAEGER_HEALTH_PORT}/status`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running) throw new Error(`jaeger exited at start; last output:\n${proc.describeTail()}`);
    try {
      const res = await fetch(health, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop(proc, 'SIGKILL');
      throw new Error(`jaeger was not healthy within ${timeoutMs} ms; last output:\n${proc.describeTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    otlpHttpUrl: `http://127.0.0.1:${ports.JAEGER_OTLP_HTTP_PORT}/v1/traces`,
    queryUrl: `http://127.0.0.1:${ports.JAEGER_QUERY_PORT}`,
    stop: async () => {
      await stop(proc, 'SIGTERM', 10_000);
    },
  };
}
