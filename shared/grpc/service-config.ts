import type { FileRegistry } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { contractRegistry } from '../contracts';
import { HEALTH_CHECKED_POLICY } from './health-checked-lb';

/** A method as a service config names it (`methodConfig[].name[]`). */
export interface MethodName {
  service: string;
  method: string;
}

// The standard health service is gRPC's contract, not ours: gen/descriptors.binpb does not describe
// it, and its own health.proto marks nothing. Check is a read, and a readiness probe that meets a
// dying instance should be answered by the next one, so it is named here.
const HEALTH_CHECK: MethodName = { service: 'grpc.health.v1.Health', method: 'Check' };

/**
 * The reads that are safe to send twice, retried on another instance when an attempt fails with
 * UNAVAILABLE: every RPC the contracts mark `option idempotency_level = NO_SIDE_EFFECTS;` (read
 * from `registry`, by default the descriptors `npm run gen` writes), plus the health check. Only
 * NO_SIDE_EFFECTS: an IDEMPOTENT write repeated after its first attempt took effect may answer
 * differently (a second delete finds nothing), so repeating it is not invisible to the caller.
 */
export function retryableMethods(registry: FileRegistry = contractRegistry()): MethodName[] {
  const marked: MethodName[] = [];
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const method of service.methods) {
        if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) marked.push({ service: service.typeName, method: method.name });
      }
    }
  }
  return [...marked, HEALTH_CHECK];
}

let retryablePaths: ReadonlySet<string> | undefined;

/** Whether a method path (`/user.v1.UserService/GetUser`) is one of the contracts' {@link retryableMethods}. */
export function isRetryableMethod(path: string): boolean {
  retryablePaths ??= new Set(retryableMethods().map((m) => `/${m.service}/${m.method}`));
  return retryablePaths.has(path);
}

/**
 * The retry policy of the {@link retryableMethods} (gRFC A6). Three attempts cover "this instance
 * just died, try the next one" with one to spare; the backoff is short because the next attempt
 * goes to another instance, not back to the one that failed. grpc-js keeps every attempt inside
 * the call's own deadline.
 */
export const RETRY_POLICY = {
  maxAttempts: 3,
  initialBackoff: '0.02s',
  maxBackoff: '0.2s',
  backoffMultiplier: 2,
  retryableStatusCodes: ['UNAVAILABLE'],
} as const;

/**
 * Retry throttling (A6): each failed attempt costs a token, each success returns 0.1, and retries
 * stop while fewer than half of `maxTokens` are left. So losing an instance with a burst of calls
 * in flight is retried, but a service that is down for everyone is not hit with up to three
 * times its load (the gateway and the user service both retry, so that would compound).
 */
export const RETRY_THROTTLING = { maxTokens: 100, tokenRatio: 0.1 } as const;

/** A service config as grpc-js reads it from `grpc.service_config` (JSON). */
export interface ServiceConfigJson {
  loadBalancingConfig: object[];
  methodConfig: Array<{ name: MethodName[]; retryPolicy: typeof RETRY_POLICY }>;
  retryThrottling: typeof RETRY_THROTTLING;
}

/**
 * The service config of a channel to `serviceName` (e.g. `user.v1.UserService`): round_robin over
 * every address the target resolves to, under the health-checked policy watching `serviceName`,
 * and the retry policy for the contracts' reads ({@link retryableMethods}).
 */
export function serviceConfigFor(serviceName: string): ServiceConfigJson {
  return {
    loadBalancingConfig: [{ [HEALTH_CHECKED_POLICY]: { serviceName, childPolicy: [{ round_robin: {} }] } }],
    methodConfig: [{ name: retryableMethods(), retryPolicy: RETRY_POLICY }],
    retryThrottling: RETRY_THROTTLING,
  };
}
