import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';
import { serviceIdentity } from '../../shared/grpc/service-identity';

/** How to start one process, which environment keys place it on the network, and what it calls. */
export interface ProcessSpec {
  /** Short name used in output prefixes and APIs. */
  name: string;
  /** Source folder relative to the repo root; the process runs `dist/<folder>/main.js`. */
  folder: string;
  /** Env key of the address the process binds. */
  hostEnv: string;
  /** Env key of the port the process binds. */
  portEnv: string;
  /** The port the process binds when nothing overrides it. */
  defaultPort: number;
  /**
   * A gRPC service's env prefix (`AUTH` for AUTH_DB_PATH, AUTH_SERVICE_URL): its callers are told
   * where it is in `<prefix>_SERVICE_URL`, and it keeps its SQLite file in `<prefix>_DB_PATH`
   * (PostgreSQL: `<prefix>_DB_URL`). Absent for the gateway, which nothing calls.
   */
  servicePrefix?: string;
  /** The services this process calls, each started before it. */
  calls: readonly string[];
}

// The gRPC services in start order: each one only calls services started before it. `npm run
// new:service` adds a line here.
const SERVICES = [
  { name: 'auth', folder: 'services/auth', hostEnv: 'AUTH_SERVICE_HOST', portEnv: 'AUTH_SERVICE_PORT', defaultPort: 50052, servicePrefix: 'AUTH', calls: [] },
  { name: 'user', folder: 'services/user', hostEnv: 'USER_SERVICE_HOST', portEnv: 'USER_SERVICE_PORT', defaultPort: 50051, servicePrefix: 'USER', calls: ['auth'] },
] as const satisfies readonly ProcessSpec[];

// The edge, started last: every service is reached through it (its DOWNSTREAM table, whose
// names test/unit/gateway/grpc-clients.test.ts holds to this list).
const GATEWAY = { name: 'gateway', folder: 'gateway', hostEnv: 'GATEWAY_HOST', portEnv: 'GATEWAY_PORT', defaultPort: 8080, calls: SERVICES.map((s) => s.name) } as const;

const SPECS = [...SERVICES, GATEWAY] as const;

/** The name of one process of the stack. */
export type ProcessName = (typeof SPECS)[number]['name'];

/** One process of this stack: a {@link ProcessSpec} naming only processes that exist. */
export type StackProcess = Omit<ProcessSpec, 'name' | 'calls'> & { name: ProcessName; calls: readonly ProcessName[] };

/** The processes in start order: each one only calls processes started before it. */
export const PROCESS_SPECS: readonly StackProcess[] = SPECS;

/** The gRPC services (every process but the gateway), in start order. */
export const SERVICE_SPECS: readonly StackProcess[] = SERVICES;

/** The spec of one process by name. */
export function specFor(name: ProcessName): StackProcess {
  const spec = PROCESS_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown process ${name}`);
  return spec;
}

/** The processes in stop order: callers before the processes they call. */
export function stopOrder(): StackProcess[] {
  return [...PROCESS_SPECS].reverse();
}

/** A record with one fresh value per process, for per-process bookkeeping. */
export function perProcess<T>(make: (name: ProcessName) => T): Record<ProcessName, T> {
  return Object.fromEntries(PROCESS_SPECS.map((s) => [s.name, make(s.name)])) as Record<ProcessName, T>;
}

/**
 * The service identity of a process: what its certificate's SAN URI names
 * (`spiffe://traced-grpc-microservices/<identity>`) and what contracts list in `callers`. A gRPC
 * service is `<name>-service` (`user-service`, like its logs and spans), the gateway `gateway`.
 */
export function identityOf(name: ProcessName): string {
  return specFor(name).servicePrefix ? serviceIdentity(name) : name;
}

/** The env key that tells callers where a service is (`AUTH_SERVICE_URL`). */
export function urlEnvOf(name: ProcessName): string {
  const prefix = specFor(name).servicePrefix;
  if (!prefix) throw new Error(`${name} is not a gRPC service`);
  return `${prefix}_SERVICE_URL`;
}

/** What `spec` needs to find the services it calls: `<PREFIX>_SERVICE_URL` of each, from `targetOf`. */
export function callerEnv(spec: { calls: readonly ProcessName[] }, targetOf: (name: ProcessName) => string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const callee of spec.calls) {
    const target = targetOf(callee);
    if (target !== undefined) env[urlEnvOf(callee)] = target;
  }
  return env;
}

/** The tracing preload: the first module every process loads (shared/telemetry/preload.ts). */
const PRELOAD = ['--require', './dist/shared/telemetry/preload.js'] as const;

/**
 * The node flags every process starts with, read from the one place they are kept: the
 * Dockerfile's `ENV NODE_OPTIONS="..."`, so `npm start` and the images run the same flags (the
 * V8 heap settings and the tracing preload; the Dockerfile says why each).
 */
export function nodeFlags(): string[] {
  const file = path.join(projectRoot, 'Dockerfile');
  const options = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(fs.readFileSync(file, 'utf8'))?.[1];
  if (options === undefined) throw new Error(`${file}: no ENV NODE_OPTIONS="..." line`);
  return options.split(/\s+/).filter(Boolean);
}

/**
 * The node arguments that start one process: the node flags (without the tracing preload when
 * `preload` is false), `extra`, then main.
 */
export function nodeArgs(folder: string, options: { preload?: boolean; extra?: readonly string[] } = {}): string[] {
  let flags = nodeFlags();
  if (options.preload === false) {
    const at = flags.findIndex((flag, i) => flag === PRELOAD[0] && flags[i + 1] === PRELOAD[1]);
    if (at !== -1) flags = [...flags.slice(0, at), ...flags.slice(at + 2)];
  }
  return [...flags, ...(options.extra ?? []), `./dist/${folder}/main.js`];
}
