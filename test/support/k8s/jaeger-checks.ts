import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../shared/paths';
import { JAEGER_CONFIG_MAPS } from '../../../scripts/k8s/jaeger-config-maps';
import { endpointPort, jaegerConfigOf, jaegerEnv, renderJaegerConfig } from './jaeger-config';
import { containerPort, deployments, nameOf, ofKind, selectedDeployments, serviceByHost, type Deployment, type Manifests } from './manifests';

/** The Deployments running a Jaeger image. */
export function jaegerDeployments(m: Manifests): Deployment[] {
  return deployments(m).filter((d) => d.spec.template.spec.containers.some((c) => c.image.startsWith('jaegertracing/jaeger:')));
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
 * Each Jaeger pod is wired the way its config expects: every listener binds 0.0.0.0 on a
 * container port and every container port has a listener; the collector's OTLP exporter reaches
 * the query tier's OTLP receiver through a Service; Badger writes under a writable volume (the
 * root filesystem is read-only); the memory limiter refuses data before the memory limit.
 */
export function jaegerWiringProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const d of jaegerDeployments(m)) {
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
