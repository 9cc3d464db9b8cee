import fs from 'node:fs';
import path from 'node:path';
import { JAEGER_CONFIG_MAPS } from '../../../scripts/k8s/jaeger-config-maps';
import { authConfigSchema } from '../../../services/auth/config';
import { loadConfig } from '../../../shared/config/load-config';
import { projectRoot } from '../../../shared/paths';
import { endpointPort, jaegerConfigOf, jaegerEnv, renderJaegerConfig } from './jaeger-config';
import { containerPort, deployments, nameOf, ofKind, selectedDeployments, serviceByHost, type Container, type Deployment, type K8sObject, type Manifests } from './manifests';
import { podEnv, podNameOf } from './pod-env';
import { dockerfileTargets, imageTarget, processConfig, processOf, processTracing, TRACING_ENV_KEYS, type ProcessSpec } from './processes';

// Cross-reference checks of the project's three processes in the manifests. Each returns what is
// wrong, one message per problem, so that a test can show them all and a mutated copy can prove
// that the check notices.

/** Every container of the project's images, with its Deployment and process. */
export function appContainers(m: Manifests): Array<{ d: Deployment; c: Container; spec: ProcessSpec; where: string }> {
  return deployments(m).flatMap((d) =>
    d.spec.template.spec.containers.flatMap((c) => {
      const spec = processOf(c);
      return spec ? [{ d, c, spec, where: `${nameOf(d)} container ${c.name}` }] : [];
    }),
  );
}

/** The process's config for its container, or the problem that stops it from starting. */
function configOf(spec: ProcessSpec, env: Record<string, string>): { config?: Record<string, unknown>; error?: string } {
  try {
    return { config: processConfig(spec, env) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** A `dns:///host:port`, `dns:host:port` or `host:port` target's host and port (undefined for other forms). */
export function targetHostPort(target: string): { host: string; port: number } | undefined {
  const m = /^(?:dns:(?:\/\/\/)?)?([A-Za-z0-9.-]+):(\d+)$/.exec(target.trim());
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/**
 * Every process starts: its environment (Secrets replaced by plausible values) passes its own
 * config schema over its config.yaml with NODE_ENV=production, it binds 0.0.0.0, the keys that
 * must be secret come from Secrets, no variable is one the process does not read, and its tracing
 * settings resolve.
 */
export function configProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const { d, c, spec, where } of appContainers(m)) {
    const { env, fromSecrets, problems: envProblems } = podEnv(d, c);
    problems.push(...envProblems);
    const { config, error } = configOf(spec, env);
    if (error) problems.push(`${where}: ${error}`);
    if (env.NODE_ENV !== 'production') problems.push(`${where}: NODE_ENV must be production, is ${env.NODE_ENV ?? 'unset'}`);
    if (config && config[spec.hostKey] !== '0.0.0.0') problems.push(`${where}: ${spec.hostKey} is ${String(config[spec.hostKey])}: the probes and callers come from outside the pod, bind 0.0.0.0`);
    for (const key of spec.secretKeys) {
      if (!fromSecrets.has(key)) problems.push(`${where}: ${key} must come from a Secret (secretKeyRef)`);
    }
    // A misspelt variable is dropped silently by the schema: every name must be read by someone
    // (the process's schema, its tracing configuration, the OpenTelemetry SDK, another variable).
    const referenced = new Set((c.env ?? []).flatMap((v) => [...(v.value ?? '').matchAll(/\$\(([A-Za-z0-9_]+)\)/g)].map((r) => r[1]!)));
    for (const name of Object.keys(env)) {
      const known = name in spec.schema.shape || TRACING_ENV_KEYS.has(name) || name.startsWith('OTEL_') || referenced.has(name);
      if (!known) problems.push(`${where}: ${name} is not a setting of ${spec.target} (nor used by another variable)`);
    }
    try {
      if (!processTracing(spec, env).enabled) problems.push(`${where}: tracing is off`);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/**
 * Ports agree: each process's configured port (env, else config.yaml, else the schema's default)
 * and its health port (GRPC_HEALTH_PORT, when set) are its container ports, and every probe of every container names a port the container has.
 */
export function portProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const { d, c, spec, where } of appContainers(m)) {
    const { config } = configOf(spec, podEnv(d, c).env);
    const listens = config?.[spec.portKey];
    // Its own port, and the plaintext health port when it serves one (GRPC_HEALTH_PORT).
    const health = config?.GRPC_HEALTH_PORT;
    const wanted = [listens, ...(health === undefined ? [] : [health])];
    const ports = (c.ports ?? []).map((p) => p.containerPort);
    if (ports.length !== wanted.length || !wanted.every((w) => ports.includes(w as number))) {
      problems.push(`${where}: container ports [${ports.join(', ')}] but the process listens on ${wanted.map(String).join(' and ')} (${spec.portKey}${health === undefined ? '' : ', GRPC_HEALTH_PORT'})`);
    }
  }
  for (const d of deployments(m)) {
    for (const c of d.spec.template.spec.containers) {
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        const probe = c[kind];
        if (!probe) continue;
        const ref = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
        if (containerPort(c, ref) === undefined) problems.push(`${nameOf(d)} container ${c.name}: ${kind} port ${String(ref)} is not a container port`);
      }
    }
  }
  return problems;
}

/** Services select pods, and their targetPorts are ports of those pods' containers. */
export function serviceProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const d of deployments(m)) {
    if (!Object.entries(d.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels?.[k] === v)) {
      problems.push(`${nameOf(d)}: its selector does not match its own pod template's labels`);
    }
  }
  for (const s of ofKind(m, 'Service')) {
    const targets = selectedDeployments(m, s);
    if (targets.length === 0) problems.push(`${nameOf(s)}: its selector matches the pods of no Deployment`);
    for (const port of s.spec?.ports ?? []) {
      const ref = port.targetPort ?? port.port;
      for (const d of targets) {
        if (!d.spec.template.spec.containers.some((c) => containerPort(c, ref) !== undefined)) {
          problems.push(`${nameOf(s)}: targetPort ${String(ref)} is not a container port of ${nameOf(d)}`);
        }
      }
    }
  }
  return problems;
}

/**
 * USER_SERVICE_URL / AUTH_SERVICE_URL (as the process resolves them, defaults included) name a
 * headless Service (so DNS gives every pod, for round_robin) on a port that reaches the process
 * they should reach.
 */
export function serviceUrlProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const { d, c, spec, where } of appContainers(m)) {
    const { config } = configOf(spec, podEnv(d, c).env);
    for (const [key, wanted] of Object.entries(spec.calls)) {
      const value = String(config?.[key]);
      const target = targetHostPort(value);
      const service = target && serviceByHost(m, target.host, d.metadata.namespace);
      if (!target || !service) {
        problems.push(`${where}: ${key}=${value} does not name a Service of these manifests`);
        continue;
      }
      // Spelled out, so a reader (and grpc-js) sees a DNS name re-resolved to every pod, balanced
      // round_robin; a bare host:port resolves the same way today but says nothing.
      if (!value.startsWith('dns:///')) problems.push(`${where}: ${key}=${value} should be a dns:/// target, so round_robin balances over every pod the headless Service resolves to`);
      if (service.spec?.clusterIP !== 'None') problems.push(`${where}: ${key} names ${nameOf(service)}, which is not headless (clusterIP: None): DNS would give one virtual IP, not every pod`);
      const port = service.spec?.ports?.find((p) => p.port === target.port);
      // Through a headless Service the client dials the pod's address on the URL's own port:
      // the Service's targetPort mapping does not apply, so the URL port must be the container's.
      const headless = service.spec?.clusterIP === 'None';
      const reaches = selectedDeployments(m, service).some((b) =>
        b.spec.template.spec.containers.some((bc) => {
          const reached = port && containerPort(bc, port.targetPort ?? port.port);
          return processOf(bc)?.target === wanted && reached !== undefined && (!headless || reached === target.port);
        }),
      );
      if (!reaches) problems.push(`${where}: ${key}=${value} does not reach ${wanted} (${nameOf(service)} port ${target.port}${headless ? ', dialled on the pod itself' : ''})`);
    }
  }
  return problems;
}

/** The ConfigMap of the collector tier's entry, the load-balancing layer (deploy/otelcol-lb.yaml). */
const COLLECTOR_CONFIG_MAP = JAEGER_CONFIG_MAPS.find((c) => c.source === 'deploy/otelcol-lb.yaml')!.name;

/** The Service a URL's host and port name, and the container port it reaches in `deployment`. */
function reachedPort(m: Manifests, url: URL, namespace: string | undefined): { service?: K8sObject; deployment?: Deployment; port?: number } {
  const service = serviceByHost(m, url.hostname, namespace);
  const port = service?.spec?.ports?.find((p) => String(p.port) === url.port);
  for (const deployment of service ? selectedDeployments(m, service) : []) {
    for (const c of deployment.spec.template.spec.containers) {
      const reached = port && containerPort(c, port.targetPort ?? port.port);
      if (reached !== undefined) return { service, deployment, port: reached };
    }
  }
  return { service };
}

/**
 * Tracing goes to the collector tier: the OTLP/HTTP traces URL each process resolves names a
 * Service in front of its load-balancing layer (deploy/otelcol-lb.yaml), on the port its OTLP/HTTP
 * receiver listens on; every trace is recorded (the tail sampler decides); service.instance.id is
 * the pod name (downward API).
 */
export function tracingProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const { d, c, spec, where } of appContainers(m)) {
    const { env } = podEnv(d, c);
    let tracing;
    try {
      tracing = processTracing(spec, env);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
      continue;
    }
    if (tracing.exporter !== 'otlp' || tracing.otlpProtocol !== 'http/protobuf') problems.push(`${where}: exports ${tracing.exporter} ${tracing.otlpProtocol}, not OTLP/HTTP`);
    if (tracing.samplingRate !== 1) problems.push(`${where}: samples ${tracing.samplingRate} of traces: the collector tier's tail sampling needs all of them`);
    const url = new URL(tracing.endpoint);
    const { service, deployment, port } = reachedPort(m, url, d.metadata.namespace);
    const collector = deployment && jaegerConfigOf(m, deployment);
    const receiverPort = collector && endpointPort(renderJaegerConfig(collector.config, jaegerEnv(deployment)), ['receivers', 'otlp', 'protocols', 'http', 'endpoint']);
    if (url.pathname !== '/v1/traces' || !service || collector?.name !== COLLECTOR_CONFIG_MAP || port === undefined || port !== receiverPort) {
      problems.push(`${where}: traces go to ${tracing.endpoint}, which is not the collector tier's OTLP/HTTP receiver (Service ${service ? nameOf(service) : 'none'}, port ${String(port)}, receiver ${String(receiverPort)})`);
    }
    const attributes = Object.fromEntries((env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
    if (attributes['service.instance.id'] !== podNameOf(d)) problems.push(`${where}: service.instance.id is ${attributes['service.instance.id'] ?? 'unset'}, not the pod's name`);
  }
  return problems;
}

/**
 * Shutdown fits in the grace period: preStop, the process's drain (SHUTDOWN_TIMEOUT_MS) and the
 * last span export (OTEL_BSP_EXPORT_TIMEOUT) all end before the kubelet's SIGKILL.
 */
export function shutdownProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const { d, c, spec, where } of appContainers(m)) {
    const { env } = podEnv(d, c);
    const { config } = configOf(spec, env);
    const graceMs = (d.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const preStopMs = (c.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    const needMs = preStopMs + Number(config?.SHUTDOWN_TIMEOUT_MS) + processTracing(spec, env).batch.exportTimeoutMillis;
    if (!(graceMs >= needMs)) problems.push(`${where}: terminationGracePeriodSeconds ${graceMs / 1000} is shorter than preStop + drain + span flush (${needMs / 1000} s)`);
  }
  return problems;
}

/**
 * The load balancer's image: the OpenTelemetry Collector contrib distribution of the release
 * scripts/tools.sh builds otelcol-lb from (OTELCOL_VERSION), so both run the same components.
 */
export function otelcolImage(): string {
  const tools = fs.readFileSync(path.join(projectRoot, 'scripts', 'tools.sh'), 'utf8');
  const version = /OTELCOL_VERSION="\$\{OTELCOL_VERSION:-v([0-9.]+)\}"/.exec(tools)?.[1];
  if (!version) throw new Error('scripts/tools.sh: no OTELCOL_VERSION default');
  return `otel/opentelemetry-collector-contrib:${version}`;
}

/**
 * Every project image is `traced-<target>:<tag>` of a Dockerfile target; Jaeger is
 * docker-compose.yml's; the load balancer is the collector release tools.sh builds.
 */
export function imageProblems(m: Manifests, composeJaegerImage: string): string[] {
  const targets = dockerfileTargets();
  const otelcol = otelcolImage();
  const problems: string[] = [];
  for (const d of deployments(m)) {
    for (const c of d.spec.template.spec.containers) {
      const target = imageTarget(c.image);
      if (target !== undefined && !targets.has(target)) problems.push(`${nameOf(d)}: image ${c.image}: the Dockerfile has no target ${target}`);
      if (target === undefined && c.image !== composeJaegerImage && c.image !== otelcol) {
        problems.push(`${nameOf(d)}: image ${c.image} is neither a project image (traced-<target>:<tag>) nor docker-compose.yml's ${composeJaegerImage} nor ${otelcol} (the release scripts/tools.sh builds)`);
      }
    }
  }
  return problems;
}

/**
 * Secrets: every secretKeyRef names a Secret and key the example Secrets describe; no Secret is
 * in the folder `kubectl apply` applies; the example gives each service its own database; its
 * JWT_SECRET is refused by the auth service, so applying the example unedited cannot start it
 * with a known key.
 */
export function secretProblems(m: Manifests, examples: Manifests): string[] {
  const problems: string[] = [];
  const described = ofKind(examples, 'Secret');
  for (const s of ofKind(m, 'Secret')) problems.push(`${nameOf(s)} is in the applied manifests: real values do not belong in the repository`);
  for (const d of deployments(m)) {
    for (const c of d.spec.template.spec.containers) {
      for (const v of c.env ?? []) {
        const ref = v.valueFrom?.secretKeyRef;
        if (ref && !described.some((s) => s.metadata.name === ref.name && s.metadata.namespace === d.metadata.namespace && ref.key in (s.stringData ?? {}))) {
          problems.push(`${nameOf(d)}: ${v.name} reads Secret ${ref.name} key ${ref.key}, which deploy/k8s/examples does not describe`);
        }
      }
    }
  }
  // The services share no tables, and each migrates its own: on one database each would find the
  // other's migrations and refuse to start ("corrupted migrations").
  const databases = described.flatMap((s) => Object.entries(s.stringData ?? {}).filter(([k]) => k.endsWith('_DB_URL')).map(([k, url]) => [k, new URL(url).pathname] as const));
  for (const [key, db] of databases) {
    const same = databases.filter(([, other]) => other === db).map(([k]) => k);
    if (same.length > 1 && same[0] === key) problems.push(`examples: ${same.join(' and ')} name the same database ${db}: each service needs its own`);
  }
  for (const s of described) {
    const jwt = s.stringData?.JWT_SECRET;
    if (jwt === undefined) continue;
    const accepted = (() => {
      try {
        loadConfig(authConfigSchema, { env: { NODE_ENV: 'production', JWT_SECRET: jwt } });
        return true;
      } catch {
        return false;
      }
    })();
    if (accepted) problems.push(`${nameOf(s)} (example): its placeholder JWT_SECRET would be accepted; make it one the auth service refuses`);
  }
  return problems;
}
