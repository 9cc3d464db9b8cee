import { Router } from 'express';
import { createClient, deadlineFor, unary } from '../shared/grpc/client';
import { isNotServingError } from '../shared/grpc/health-checked-lb';
import { HealthClientCtor, type HealthClient } from '../shared/grpc/health-client';
import type { ServiceTls } from '../shared/grpc/tls';

export type { HealthClient };

/**
 * Creates the readiness client of `serviceName` at `target`, where the service identity `server`
 * must answer. It balances like the service's own client (same options, so the same
 * connections): a check answers for an instance that is serving, and `/ready` is 200 while at
 * least one instance of each service is.
 */
export function createHealthClient(target: string, serviceName: string, server: string, tls: ServiceTls): HealthClient {
  return createClient(HealthClientCtor, target, tls, { server, serviceName });
}

/** A serving status as `/ready` reports it; `UNAVAILABLE` when the check itself failed. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNAVAILABLE';

// Readiness must answer fast even when a service hangs, so checks get their own short deadline.
const CHECK_DEADLINE_MS = 1000;

/** Asks `client` whether `service` (fully qualified, e.g. `user.v1.UserService`) is serving. */
export async function checkServing(client: HealthClient, service: string): Promise<ServingStatus> {
  try {
    const res = await unary(client, client.Check, { service }, { deadline: deadlineFor(CHECK_DEADLINE_MS) });
    return (res.status as ServingStatus) || 'UNKNOWN';
  } catch (err) {
    // The channel skips NOT_SERVING instances, so "none serves" arrives as a failed call.
    return isNotServingError(err as { details?: string }) ? 'NOT_SERVING' : 'UNAVAILABLE';
  }
}

/** One service `/ready` asks: its health client and its fully qualified name (`user.v1.UserService`). */
export interface HealthTarget {
  client: HealthClient;
  service: string;
}

/**
 * `GET /health` (liveness: the process answers) and `GET /ready` (readiness: every service the
 * gateway calls reports SERVING on `grpc.health.v1.Health/Check`), `targets` by short name.
 */
export function createHealthRouter(targets: Readonly<Record<string, HealthTarget>>): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const entries = Object.entries(targets);
    const statuses = await Promise.all(entries.map(([, t]) => checkServing(t.client, t.service)));
    const ready = statuses.every((s) => s === 'SERVING');
    const services = Object.fromEntries(entries.map(([name], i) => [name, statuses[i]]));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', services });
  });
  return router;
}
