import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../shared/paths';
import { JAEGER_CONFIG_MAPS } from '../../../scripts/k8s/jaeger-config-maps';
import { endpointPort, jaegerConfigOf, jaegerEnv, renderJaegerConfig } from './jaeger-config';
import { containerPort, deployments, nameOf, ofKind, selectedDeployments, selects, serviceByHost, type Deployment, type Manifests } from './manifests';

/** The Deployments running a Jaeger image. */
export function jaegerDeployments(m: Manifests): Deployment[] {
  return deployments(m).filter((d) => d.spec.template.spec.containers.some((c) => c.image.startsWith('jaegertracing/jaeger:')));
}

/** The Deployments running an OpenTelemetry Collector image (the load-balancing layer). */
export function otelcolDeployments(m: Manifests): Deployment[] {
  return deployments(m).filter((d) => d.spec.template.spec.containers.some((c) => c.image.startsWith('otel/opentelemetry-collector')));
}

/** Every `endpoint: host:port` a rendered config listens on (receivers, extensions, the Prometheus exporter). */
function listeners(config: unknown): Array<{ at: string; host: string; port: number }> {
  const found: Array<{ at: string; host: string; port: number }> = [];
  const walk = (node: unknown, at: string[]) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      const here = [...at, key];
      const listens = here[0] === 'receivers' || here[0] === 'extensions' || (here[0] === 'exporters' && here[1] === 'prometheus');
      const m = key === 'endpoint' && typeof child === 'string' ? /^([^/]*):(\d+)$/.exec(child) : null;
      if (m && listens) found.push({ at: here.join('.'), host: m[1]!, port: Number(m[2]) });
      else walk(child, here);
    }
  };
  walk(config, []);
  return found;
}

/** `512Mi` / `1Gi` in MiB. */
function mebibytes(quantity: string | undefined): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity ?? '');
  return m ? Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1) : NaN;
}

/** The generated ConfigMaps hold exactly the deploy/ configurations they are made from. */
export function jaegerConfigMapProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const { name, source } of JAEGER_CONFIG_MAPS) {
    const map = ofKind(m, 'ConfigMap').find((cm) => cm.metadata.name === name);
    if (map?.data?.['config.yaml'] !== fs.readFileSync(path.join(projectRoot, source), 'utf8')) {
      problems.push(`ConfigMap/${name} is not ${source} as it is now: run npm run k8s:jaeger-config`);
    }
  }
  return problems;
}

/**
 * Each collector pod (the Jaegers and the load balancer) is wired the way its config expects: every listener binds 0.0.0.0 on a
 * container port and every container port has a listener; the collector's OTLP exporter reaches
 * the query tier's OTLP receiver through a Service; Badger writes under a writable volume (the
 * root filesystem is read-only); the memory limiter refuses data before the memory limit.
 */
export function jaegerWiringProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const d of [...jaegerDeployments(m), ...otelcolDeployments(m)]) {
    const c = d.spec.template.spec.containers[0]!;
    const found = jaegerConfigOf(m, d);
    if (!found) {
      problems.push(`${nameOf(d)}: --config does not name a file of a mounted ConfigMap`);
      continue;
    }
    const config = renderJaegerConfig(found.config, jaegerEnv(d)) as Record<string, any>;
    const listening = listeners(config);
    for (const l of listening) {
      if (l.host !== '0.0.0.0') problems.push(`${nameOf(d)}: ${l.at} binds ${l.host}: unreachable from outside the pod`);
      if (containerPort(c, l.port) === undefined) problems.push(`${nameOf(d)}: ${l.at} listens on ${l.port}, not a container port`);
    }
    for (const p of c.ports ?? []) {
      if (!listening.some((l) => l.port === p.containerPort)) problems.push(`${nameOf(d)}: container port ${p.containerPort} has no listener in ${found.name}`);
    }
    const exportTo = config.exporters?.otlp?.endpoint as string | undefined;
    if (exportTo !== undefined) {
      const [host, port] = exportTo.split(':');
      const service = serviceByHost(m, host!, d.metadata.namespace);
      const servicePort = service?.spec?.ports?.find((p) => String(p.port) === port);
      const receives = (service ? selectedDeployments(m, service) : []).some((q) => {
        const qc = q.spec.template.spec.containers[0]!;
        const qConfig = jaegerConfigOf(m, q);
        const receiver = qConfig && endpointPort(renderJaegerConfig(qConfig.config, jaegerEnv(q)), ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint']);
        return servicePort !== undefined && receiver !== undefined && containerPort(qc, servicePort.targetPort ?? servicePort.port) === receiver;
      });
      if (!receives) problems.push(`${nameOf(d)}: exporters.otlp.endpoint ${exportTo} does not reach an OTLP gRPC receiver`);
    }
    const writable = (c.volumeMounts ?? []).filter((vm) => !vm.readOnly && !d.spec.template.spec.volumes?.find((v) => v.name === vm.name)?.configMap);
    for (const backend of Object.values((config.extensions?.jaeger_storage?.backends ?? {}) as Record<string, any>)) {
      for (const dir of Object.values((backend.badger?.directories ?? {}) as Record<string, string>)) {
        if (!writable.some((vm) => dir.startsWith(`${vm.mountPath}/`))) problems.push(`${nameOf(d)}: Badger directory ${dir} is not on a writable volume`);
      }
    }
    const limiter = config.processors?.memory_limiter?.limit_mib as number | undefined;
    if (limiter !== undefined && !(Number(limiter) < mebibytes(c.resources?.limits?.memory))) {
      problems.push(`${nameOf(d)}: memory_limiter limit_mib ${limiter} is not below the container's memory limit ${c.resources?.limits?.memory}`);
    }
  }
  return problems;
}

/** The ConfigMap of the samplers' config (deploy/jaeger-collector.yaml). */
const SAMPLER_CONFIG_MAP = JAEGER_CONFIG_MAPS.find((c) => c.source === 'deploy/jaeger-collector.yaml')!.name;

/**
 * The load-balancing layer routes by trace id to the samplers: routing_key traceID; one resolver,
 * and one that follows the pods (dns or k8s: a static list does not); the dns resolver's hostname
 * (or the k8s resolver's service) names a headless Service of the namespace, so a lookup gives
 * every sampler pod; the pods it selects run the sampler config, with their OTLP gRPC receiver on
 * the resolver's port (dialled on the pod itself); two replicas of the load balancer.
 */
export function loadBalancerProblems(m: Manifests): string[] {
  const problems: string[] = [];
  const balancers = otelcolDeployments(m);
  if (balancers.length === 0) problems.push('no load-balancing Deployment (an OpenTelemetry Collector image with the loadbalancing exporter)');
  for (const d of balancers) {
    const found = jaegerConfigOf(m, d);
    if (!found) continue; // jaegerWiringProblems reports it
    if (!((d.spec.replicas ?? 1) >= 2)) problems.push(`${nameOf(d)}: ${d.spec.replicas ?? 1} replica: one pod restarting leaves the services nowhere to export`);
    const config = renderJaegerConfig(found.config, jaegerEnv(d)) as Record<string, any>;
    const lb = config.exporters?.loadbalancing as Record<string, any> | undefined;
    if (!lb) {
      problems.push(`${nameOf(d)}: ${found.name} has no loadbalancing exporter`);
      continue;
    }
    if (lb.routing_key !== 'traceID') problems.push(`${nameOf(d)}: routing_key is ${String(lb.routing_key)}, not traceID: the spans of a trace would reach different samplers`);
    const resolver = (lb.resolver ?? {}) as Record<string, any>;
    const kinds = Object.keys(resolver);
    if (kinds.length !== 1) {
      problems.push(`${nameOf(d)}: the loadbalancing exporter needs exactly one resolver, has ${kinds.length ? kinds.join(', ') : 'none'}`);
      continue;
    }
    let host: string | undefined;
    let port: number | undefined;
    if (kinds[0] === 'dns') {
      host = resolver.dns?.hostname;
      port = Number(resolver.dns?.port ?? 4317);
    } else if (kinds[0] === 'k8s') {
      host = resolver.k8s?.service;
      port = Number(resolver.k8s?.ports?.[0] ?? 4317);
    } else {
      problems.push(`${nameOf(d)}: the ${kinds[0]} resolver does not follow the sampler pods (use dns on a headless Service, or k8s)`);
      continue;
    }
    const service = host ? serviceByHost(m, host, d.metadata.namespace) : undefined;
    if (!service) {
      problems.push(`${nameOf(d)}: the ${kinds[0]} resolver's ${String(host)} names no Service of these manifests`);
      continue;
    }
    if (kinds[0] === 'dns' && service.spec?.clusterIP !== 'None') problems.push(`${nameOf(d)}: ${host} names ${nameOf(service)}, which is not headless: DNS gives one virtual IP, not every sampler`);
    const samplers = selectedDeployments(m, service);
    const reaches = samplers.some((sd) => {
      const sc = jaegerConfigOf(m, sd);
      if (sc?.name !== SAMPLER_CONFIG_MAP) return false;
      return endpointPort(renderJaegerConfig(sc.config, jaegerEnv(sd)), ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint']) === port;
    });
    if (!reaches) problems.push(`${nameOf(d)}: the ${kinds[0]} resolver's ${host}:${port} does not reach a sampler's OTLP gRPC receiver (${nameOf(service)}, dialled on the pod itself)`);
  }
  return problems;
}

/**
 * Each PodDisruptionBudget selects the pods of a Deployment of its namespace and allows a
 * disruption (a drain can proceed); the samplers and the load balancer each have one.
 */
export function disruptionBudgetProblems(m: Manifests): string[] {
  const problems: string[] = [];
  const budgets = ofKind(m, 'PodDisruptionBudget');
  for (const b of budgets) {
    const selector = (b.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
    const targets = deployments(m).filter((d) => d.metadata.namespace === b.metadata.namespace && selects(selector, d.spec.template.metadata.labels));
    if (targets.length === 0) problems.push(`${nameOf(b)}: its selector matches the pods of no Deployment`);
    for (const d of targets) {
      const replicas = d.spec.replicas ?? 1;
      const { minAvailable, maxUnavailable } = b.spec ?? {};
      const allows = minAvailable !== undefined ? Number(minAvailable) < replicas : Number(maxUnavailable) >= 1;
      if (!allows) problems.push(`${nameOf(b)}: with ${nameOf(d)}'s ${replicas} replicas it allows no disruption: a node drain would hang`);
    }
  }
  const samplerDeployments = jaegerDeployments(m).filter((d) => jaegerConfigOf(m, d)?.name === SAMPLER_CONFIG_MAP);
  for (const d of [...samplerDeployments, ...otelcolDeployments(m)]) {
    const covered = budgets.some((b) => b.metadata.namespace === d.metadata.namespace && selects((b.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels, d.spec.template.metadata.labels));
    if (!covered) problems.push(`${nameOf(d)}: no PodDisruptionBudget covers its pods`);
  }
  return problems;
}
