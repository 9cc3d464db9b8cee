import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { projectRoot } from '../../../shared/paths';

// The fields of the Kubernetes objects the checks read (the schemas are kubernetes-validate's job).

/** One entry of a container's `env`. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

/** A liveness, readiness or startup probe. */
export interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  grpc?: { port: number; service?: string };
}

/** A container of a pod template. */
export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

/** A pod template's spec. */
export interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; fsGroup?: number };
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string; defaultMode?: number }; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }>;
}

/** Any object of the manifests, with the fields of the kinds used here. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    // Deployment
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> } | Record<string, string>;
    template?: { metadata: { labels?: Record<string, string> }; spec: PodSpec };
    // PodDisruptionBudget
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    // Service
    clusterIP?: string;
    ports?: Array<{ name?: string; port: number; targetPort?: number | string }>;
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** A Deployment, with the fields a Deployment has. */
export type Deployment = K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels?: Record<string, string> }; spec: PodSpec } } };

/** Every object of a set of manifests, with the file it came from. */
export interface Manifests {
  objects: Array<{ file: string; object: K8sObject }>;
}

/** The folder `kubectl apply -f deploy/k8s/` applies (not its subfolders: examples/ stays out). */
export const k8sDir = path.join(projectRoot, 'deploy', 'k8s');

/** Every document of the .yaml files directly in `dir`, in file order. */
export function loadManifests(dir: string = k8sDir): Manifests {
  const objects: Manifests['objects'] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) objects.push({ file: path.relative(projectRoot, path.join(dir, file)), object });
    }
  }
  return { objects };
}

/** The objects of one kind. */
export function ofKind(m: Manifests, kind: string): K8sObject[] {
  return m.objects.filter((o) => o.object.kind === kind).map((o) => o.object);
}

/** The Deployments. */
export function deployments(m: Manifests): Deployment[] {
  return ofKind(m, 'Deployment') as Deployment[];
}

/** `Kind/name` for messages. */
export function nameOf(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** Whether every label of `selector` is on `labels` (what a Service or a Deployment selects). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** The Deployments a Service sends traffic to (same namespace, its selector on their pods). */
export function selectedDeployments(m: Manifests, service: K8sObject): Deployment[] {
  const selector = service.spec?.selector as Record<string, string> | undefined;
  return deployments(m).filter((d) => d.metadata.namespace === service.metadata.namespace && selects(selector, d.spec.template.metadata.labels));
}

/** A container port by name or number, as probes and targetPorts refer to them. */
export function containerPort(container: Container, ref: number | string | undefined): number | undefined {
  const ports = container.ports ?? [];
  const found = typeof ref === 'string' ? ports.find((p) => p.name === ref) : ports.find((p) => p.containerPort === ref);
  return found?.containerPort;
}

/** The Service a cluster DNS name means from `namespace`: `name`, `name.ns`, `name.ns.svc[.cluster.local]`. */
export function serviceByHost(m: Manifests, host: string, namespace: string | undefined): K8sObject | undefined {
  const [name, ns = namespace, ...rest] = host.split('.');
  if (rest.length > 0 && rest.join('.') !== 'svc' && rest.join('.') !== 'svc.cluster.local') return undefined;
  return ofKind(m, 'Service').find((s) => s.metadata.name === name && s.metadata.namespace === ns);
}
