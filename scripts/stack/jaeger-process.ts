import path from 'node:path';
import { projectRoot } from '../../shared/paths';
import { freePorts } from './launch';

/** Arguments that run it with the project's loopback, in-memory configuration. */
export const jaegerArgs = ['--config', path.join(projectRoot, 'scripts', 'jaeger', 'config.yaml')];

/** The ports scripts/jaeger/config.yaml reads from the environment. */
export interface JaegerPorts {
  JAEGER_QUERY_PORT: number;
  JAEGER_QUERY_GRPC_PORT: number;
  JAEGER_OTLP_HTTP_PORT: number;
  JAEGER_OTLP_GRPC_PORT: number;
  JAEGER_THRIFT_HTTP_PORT: number;
  JAEGER_HEALTH_PORT: number;
}

/** Free loopback ports for one Jaeger (tests and the bench run their own beside a developer's). */
export async function freeJaegerPorts(): Promise<JaegerPorts> {
  const [query, queryGrpc, otlpHttp, otlpGrpc, thriftHttp, health] = (await freePorts(6)) as [number, number, number, number, number, number];
  return {
    JAEGER_QUERY_PORT: query,
    JAEGER_QUERY_GRPC_PORT: queryGrpc,
    JAEGER_OTLP_HTTP_PORT: otlpHttp,
    JAEGER_OTLP_GRPC_PORT: otlpGrpc,
    JAEGER_THRIFT_HTTP_PORT: thriftHttp,
    JAEGER_HEALTH_PORT: health,
  };
}

/** The ports as environment variables for the Jaeger process. */
export const jaegerEnv = (ports: JaegerPorts): Record<string, string> =>
  Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)]));

/** Where a Jaeger on these ports listens. */
export function jaegerUrls(ports: JaegerPorts) {
  return {
    queryUrl: `http://127.0.0.1:${ports.JAEGER_QUERY_PORT}`,
    otlpHttpUrl: `http://127.0.0.1:${ports.JAEGER_OTLP_HTTP_PORT}/v1/traces`,
    otlpGrpcUrl: `http://127.0.0.1:${ports.JAEGER_OTLP_GRPC_PORT}`,
    thriftUrl: `http://127.0.0.1:${ports.JAEGER_THRIFT_HTTP_PORT}/api/traces`,
    healthUrl: `http://127.0.0.1:${ports.JAEGER_HEALTH_PORT}/status`,
  };
}

/**
 * Polls Jaeger's health check until it answers. Fails early when `alive()` says the process
 * exited, and after `timeoutMs`, with `output()` (its last lines) in the message.
 */
export async function waitForJaegerHealth(ports: JaegerPorts, alive: () => boolean, output: () => string, timeoutMs: number): Promise<void> {
  await waitForHealthUrl(jaegerUrls(ports).healthUrl, alive, output, timeoutMs);
}

/** Like {@link waitForJaegerHealth}, for a Jaeger (or collector) whose health check is at `healthUrl`. */
export async function waitForHealthUrl(healthUrl: string, alive: () => boolean, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`jaeger exited at start; last output:\n${output()}`);
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`jaeger was not healthy within ${timeoutMs} ms; last output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
