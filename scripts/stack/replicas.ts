import net from 'node:net';
import { targetFor } from '../../shared/grpc/target';
import { parseSamplerCount } from './collector-tier';
import { callerEnv, SERVICE_SPECS, type ProcessName } from './process-spec';

/** The services `--replicas` multiplies (every gRPC service); the gateway stays one process. */
export const REPLICATED: readonly ProcessName[] = SERVICE_SPECS.map((s) => s.name);

/** Ports between instances: instance i listens on the configured port + PORT_STRIDE x i. */
export const PORT_STRIDE = 100;

/** The most instances `--replicas` starts of each service. */
export const MAX_REPLICAS = 10;

/** The port instance `index` (0-based) of a service configured on `base` listens on. */
export function replicaPort(base: number, index: number): number {
  const port = base + PORT_STRIDE * index;
  if (port > 65535) throw new Error(`instance ${index} would listen on port ${port}, beyond 65535: lower the base port ${base} or --replicas`);
  return port;
}

/** The `service.instance.id` the launcher gives instance `index` of `name`: `user-0`, `user-1`, ... */
export function instanceId(name: ProcessName, index: number): string {
  return `${name}-${index}`;
}

/** The name of one instance in messages and output prefixes: the service alone when it has one instance. */
export function instanceLabel(name: ProcessName, index: number, count: number): string {
  return count > 1 ? instanceId(name, index) : name;
}

/** What `npm start -- ...` was asked for. */
export interface StartArgs {
  /** Instances of each gRPC service (`--replicas N`, default 1). */
  replicas: number;
  /** Run the two-tier trace pipeline instead of one in-memory Jaeger (`--collector`). */
  collector: boolean;
  /**
   * `--collector N`: N tail-sampling collectors behind the load-balancing layer (absent for plain
   * `--collector`, one collector as deploy/ describes).
   */
  samplers?: number;
}

const START_USAGE = 'usage: npm start [-- --replicas N] [--collector [N]]';

/**
 * Reads the launcher's arguments: `--replicas N` (or `--replicas=N`; 1 without it) and
 * `--collector [N]` (N samplers behind the load-balancing layer, see collector-tier.ts). Throws a message naming the flag for anything but a whole number from 1 to
 * {@link MAX_REPLICAS}, or an unknown argument.
 */
export function parseStartArgs(argv: readonly string[]): StartArgs {
  const args: StartArgs = { replicas: 1, collector: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--collector' || arg.startsWith('--collector=')) {
      args.collector = true;
      // A value is the next argument unless that is another flag: `--collector 2`, `--collector=2`.
      const next = argv[i + 1];
      const value = arg === '--collector' ? (next !== undefined && !next.startsWith('--') ? argv[++i] : undefined) : arg.slice('--collector='.length);
      if (value !== undefined) args.samplers = parseSamplerCount(value);
      continue;
    }
    let value: string | undefined;
    if (arg === '--replicas') value = argv[++i];
    else if (arg.startsWith('--replicas=')) value = arg.slice('--replicas='.length);
    else throw new Error(`unknown argument "${arg}"; ${START_USAGE}`);
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_REPLICAS) {
      throw new Error(`--replicas: must be a whole number from 1 to ${MAX_REPLICAS}, got ${value === undefined ? 'nothing' : `"${value}"`}`);
    }
    args.replicas = Number(value);
  }
  return args;
}

/**
 * Where callers reach instances bound to `bindHost` on `ports`: a wildcard bind is reached on
 * loopback; several instances become one `ipv4:`/`ipv6:` target listing them all.
 */
export function callerTarget(bindHost: string, ports: readonly number[]): string {
  const host = bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost === '::' ? '::1' : bindHost;
  if (ports.length > 1 && !net.isIP(host)) {
    throw new Error(`several instances need an IP address to bind, not "${bindHost}" (a name cannot list instances on different ports)`);
  }
  return targetFor(ports.map((port) => ({ host, port })));
}

/** One process the launcher starts: which service, which instance, and the environment it gets. */
export interface InstancePlan {
  name: ProcessName;
  index: number;
  /** `user-1` with several instances, `user` with one (messages, output prefixes). */
  label: string;
  env: Record<string, string>;
}

/** What {@link planInstances} needs to know about one service. */
export interface ServicePlacement {
  name: ProcessName;
  hostEnv: string;
  portEnv: string;
  /** The host and port it is configured on (environment over its config.yaml over the default). */
  host: string;
  port: number;
  /** The services it calls (process-spec.ts). */
  calls: readonly ProcessName[];
}

/**
 * The processes to start, in start order, for `replicas` instances of each of {@link REPLICATED}
 * (the gateway once): instance i on the configured port + {@link PORT_STRIDE} x i, its own
 * `SERVICE_INSTANCE_ID`, and every caller given a target naming all instances of what it calls.
 */
export function planInstances(replicas: number, services: readonly ServicePlacement[]): InstancePlan[] {
  const targets = new Map<ProcessName, string>();
  const plans: InstancePlan[] = [];
  for (const service of services) {
    const count = REPLICATED.includes(service.name) ? replicas : 1;
    if (service.port === 0 && REPLICATED.includes(service.name)) {
      throw new Error(`${service.portEnv} is 0: the launcher needs a fixed port to tell the callers where the ${service.name} service is`);
    }
    const ports = Array.from({ length: count }, (_, i) => replicaPort(service.port, i));
    if (REPLICATED.includes(service.name)) targets.set(service.name, callerTarget(service.host, ports));
    ports.forEach((port, index) => {
      plans.push({
        name: service.name,
        index,
        label: instanceLabel(service.name, index, count),
        env: {
          [service.portEnv]: String(port),
          SERVICE_INSTANCE_ID: instanceId(service.name, index),
          // Whoever it calls was planned before it (services are in start order).
          ...callerEnv(service, (name) => targets.get(name)),
        },
      });
    });
  }
  return plans;
}
