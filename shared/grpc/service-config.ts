import { HEALTH_CHECKED_POLICY } from './health-checked-lb';

/**
 * The reads that are safe to send twice: retried on another instance when an attempt fails with
 * UNAVAILABLE. Everything else (CreateUser, Login, RefreshToken, ...) changes state or issues a
 * token, so it is never retried once it may have reached a server's handler.
 */
export const RETRYABLE_METHODS: ReadonlyArray<{ service: string; method: string }> = [
  { service: 'user.v1.UserService', method: 'GetUser' },
  { service: 'user.v1.UserService', method: 'ListUsers' },
  { service: 'auth.v1.AuthService', method: 'ValidateToken' },
  { service: 'auth.v1.AuthService', method: 'GetCurrentUser' },
  { service: 'grpc.health.v1.Health', method: 'Check' },
];

const RETRYABLE_PATHS = new Set(RETRYABLE_METHODS.map((m) => `/${m.service}/${m.method}`));

/** Whether a method path (`/user.v1.UserService/GetUser`) is one of {@link RETRYABLE_METHODS}. */
export function isRetryableMethod(path: string): boolean {
  return RETRYABLE_PATHS.has(path);
}

/**
 * The retry policy of {@link RETRYABLE_METHODS} (gRFC A6). Three attempts cover "this instance
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
  methodConfig: Array<{ name: Array<{ service: string; method: string }>; retryPolicy: typeof RETRY_POLICY }>;
  retryThrottling: typeof RETRY_THROTTLING;
}

/**
 * The service config of a channel to `serviceName` (e.g. `user.v1.UserService`): round_robin over
 * every address the target resolves to, under the health-checked policy watching `serviceName`,
 * and the retry policy for the idempotent reads.
 */
export function serviceConfigFor(serviceName: string): ServiceConfigJson {
  return {
    loadBalancingConfig: [{ [HEALTH_CHECKED_POLICY]: { serviceName, childPolicy: [{ round_robin: {} }] } }],
    methodConfig: [{ name: RETRYABLE_METHODS.map((m) => ({ ...m })), retryPolicy: RETRY_POLICY }],
    retryThrottling: RETRY_THROTTLING,
  };
}
