import type { ConfigSpec } from './configs';

/** The loads a benchmark run applies, in report order. */
export const LOAD_NAMES = [
  'ghz-get-user',
  'ghz-validate-token',
  'rest-get-user',
  'trpc-get-user',
  'rest-login',
  'ghz-get-user-c1',
  'rest-get-user-c1',
] as const;

/** One load's name. */
export type LoadName = (typeof LOAD_NAMES)[number];

/** What a load drives and with which tool. */
export interface LoadSpec {
  name: LoadName;
  tool: 'ghz' | 'autocannon';
  /** One line for the report. */
  description: string;
  /** Runs at this concurrency whatever --concurrency says (the unloaded latency probes). */
  fixedConcurrency?: number;
  /** Runs at most this many seconds whatever --duration says. */
  maxDurationS?: number;
  /** Whether the load runs against this configuration. */
  appliesTo(config: ConfigSpec): boolean;
}

const onStack = () => true;
// ghz dials one host:port; with replicas only the loads through the gateway (which balances) apply.
const onSingleInstanceStack = (c: ConfigSpec) => (c.replicas ?? 1) === 1;
// The unloaded probes answer "what does one request cost" (gateway hop, tracing) without queueing;
// off, on-1.0 (real Jaeger) and on-1.0-sink (the target configuration) are enough for that and
// keep the run short.
const probed = (c: ConfigSpec) => c.name === 'off' || c.name === 'on-1.0' || c.name === 'on-1.0-sink';

/** Every load by name. */
export const LOADS: Record<LoadName, LoadSpec> = {
  'ghz-get-user': {
    name: 'ghz-get-user',
    tool: 'ghz',
    description: 'ghz user.v1.UserService/GetUser on the user service (which calls auth ValidateToken), own id, bearer token',
    appliesTo: onSingleInstanceStack,
  },
  'ghz-validate-token': {
    name: 'ghz-validate-token',
    tool: 'ghz',
    description: 'ghz auth.v1.AuthService/ValidateToken on the auth service, bearer token',
    appliesTo: onSingleInstanceStack,
  },
  'rest-get-user': {
    name: 'rest-get-user',
    tool: 'autocannon',
    description: 'autocannon GET /api/v1/users/:id through the gateway (gateway -> GetUser -> ValidateToken)',
    appliesTo: onStack,
  },
  'trpc-get-user': {
    name: 'trpc-get-user',
    tool: 'autocannon',
    description: 'autocannon GET /trpc/users.get?input={"id":...} through the gateway (same chain over tRPC)',
    appliesTo: onStack,
  },
  'rest-login': {
    name: 'rest-login',
    tool: 'autocannon',
    description: 'autocannon POST /api/v1/auth/login: one argon2id (m=19 MiB, t=2) per request, CPU-bound by design',
    appliesTo: onStack,
  },

  'ghz-get-user-c1': {
    name: 'ghz-get-user-c1',
    tool: 'ghz',
    description: 'ghz GetUser at concurrency 1 (at most 10 s): unloaded latency, no queueing',
    fixedConcurrency: 1,
    maxDurationS: 10,
    appliesTo: probed,
  },
  'rest-get-user-c1': {
    name: 'rest-get-user-c1',
    tool: 'autocannon',
    description: 'autocannon GET /api/v1/users/:id at 1 connection (at most 10 s): unloaded latency through the gateway',
    fixedConcurrency: 1,
    maxDurationS: 10,
    appliesTo: probed,
  },
};
