import { identityOf, PROCESS_SPECS, type ProcessName } from '../../../scripts/stack/process-spec';
import { spiffeIdOf } from '../../../shared/grpc/service-identity';
import { appContainers, targetHostPort } from './app-checks';
import { deployments, nameOf, ofKind, selects, type Deployment, type K8sObject, type Manifests } from './manifests';
import { podEnv } from './pod-env';
import { processConfig, type ProcessSpec } from './processes';

// Service identity in the manifests (deploy/k8s/pki.yaml, network-policies.yaml): cert-manager's
// kinds are custom resources that kubernetes-validate cannot check, so what would only fail once
// deployed (a Secret nobody issues, a certificate naming the wrong service or not the name its
// callers dial, a probe on the mutual-TLS port, a policy selecting nothing) is checked here.

/** A cert-manager Certificate or Issuer, the fields read here. */
interface CertManagerObject extends K8sObject {
  spec?: K8sObject['spec'] & {
    secretName?: string;
    isCA?: boolean;
    uris?: string[];
    dnsNames?: string[];
    usages?: string[];
    issuerRef?: { name: string; kind?: string };
    ca?: { secretName: string };
    selfSigned?: object;
  };
}

/** A NetworkPolicy, the fields read here. */
type NetworkPolicy = K8sObject & {
  spec: K8sObject['spec'] & {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: Array<{ from?: Array<{ podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: object }>; ports?: Array<{ port: number; protocol?: string }> }>;
    egress?: Array<{ to?: Array<{ podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: object }>; ports?: Array<{ port: number; protocol?: string }> }>;
  };
};

const CERT_MANAGER = /^cert-manager\.io\//;
const TLS_KEYS = { GRPC_TLS_CA: 'ca.crt', GRPC_TLS_CERT: 'tls.crt', GRPC_TLS_KEY: 'tls.key' } as const;

/** The process name (process-spec.ts) a project container runs. */
const processNameOf = (spec: ProcessSpec): ProcessName => PROCESS_SPECS.find((p) => p.portEnv === spec.portKey)!.name;

/** The Deployment running process `name`. */
function deploymentOf(m: Manifests, name: ProcessName): Deployment | undefined {
  return appContainers(m).find(({ spec }) => processNameOf(spec) === name)?.d;
}

/**
 * Each process's identity: GRPC_TLS_CA/CERT/KEY name ca.crt/tls.crt/tls.key of a Secret volume
 * mounted in its container, readable by its group only; a Certificate issues that Secret from the
 * CA Issuer, names the process's SPIFFE ID as its one URI, and (for a service) its identity and
 * every host its callers dial as DNS names; the CA Issuer's Secret is the one a CA Certificate issues.
 */
export function certificateProblems(m: Manifests): string[] {
  const problems: string[] = [];
  const certificates = ofKind(m, 'Certificate') as CertManagerObject[];
  const issuers = ofKind(m, 'Issuer') as CertManagerObject[];
  for (const o of [...certificates, ...issuers]) {
    if (!CERT_MANAGER.test(o.apiVersion)) problems.push(`${nameOf(o)}: apiVersion ${o.apiVersion} is not cert-manager's`);
  }
  const caIssuers = issuers.filter((i) => i.spec?.ca);
  for (const issuer of caIssuers) {
    const ca = certificates.find((c) => c.spec?.secretName === issuer.spec!.ca!.secretName && c.metadata.namespace === issuer.metadata.namespace);
    if (!ca?.spec?.isCA) problems.push(`${nameOf(issuer)}: no CA Certificate (isCA) issues its Secret ${issuer.spec!.ca!.secretName}`);
    else if (!issuers.some((i) => i.metadata.name === ca.spec!.issuerRef?.name && i.metadata.namespace === ca.metadata.namespace)) {
      problems.push(`${nameOf(ca)}: its issuer ${String(ca.spec.issuerRef?.name)} does not exist`);
    }
  }
  for (const { d, c, spec, where } of appContainers(m)) {
    const name = processNameOf(spec);
    const env = podEnv(d, c).env;
    const pod = d.spec.template.spec;
    let secret: string | undefined;
    for (const [key, file] of Object.entries(TLS_KEYS)) {
      const value = env[key];
      const mount = c.volumeMounts?.find((vm) => value?.startsWith(`${vm.mountPath.replace(/\/$/, '')}/`));
      const volume = pod.volumes?.find((v) => v.name === mount?.name);
      if (!mount || !volume?.secret) {
        problems.push(`${where}: ${key} (${String(value)}) is not in a mounted Secret`);
        continue;
      }
      if (value !== `${mount.mountPath.replace(/\/$/, '')}/${file}`) problems.push(`${where}: ${key} must be ${file} of the Secret (cert-manager's key), is ${String(value)}`);
      if (key === 'GRPC_TLS_KEY' && ((volume.secret.defaultMode ?? 0o644) & 0o007) !== 0) problems.push(`${where}: the Secret volume ${volume.name} lets every user read the private key (defaultMode)`);
      secret = volume.secret.secretName;
    }
    if (secret === undefined) continue;
    const cert = certificates.find((x) => x.spec?.secretName === secret && x.metadata.namespace === d.metadata.namespace);
    if (!cert) {
      problems.push(`${where}: no Certificate issues its Secret ${secret}`);
      continue;
    }
    const issuer = caIssuers.find((i) => i.metadata.name === cert.spec?.issuerRef?.name && i.metadata.namespace === cert.metadata.namespace);
    if (!issuer) problems.push(`${nameOf(cert)}: not issued by the system's CA Issuer (issuerRef ${String(cert.spec?.issuerRef?.name)})`);
    const want = spiffeIdOf(identityOf(name));
    if (JSON.stringify(cert.spec?.uris ?? []) !== JSON.stringify([want])) problems.push(`${nameOf(cert)}: uris must be [${want}] (the identity of ${nameOf(d)}), are [${(cert.spec?.uris ?? []).join(', ')}]`);
    // A server's certificate names its identity as a DNS name (the TLS server name its clients
    // send, shared/grpc/client.ts) and every host its callers dial.
    const callers = PROCESS_SPECS.filter((p) => (p.calls as readonly string[]).includes(name));
    if (callers.length > 0 && !(cert.spec?.dnsNames ?? []).includes(identityOf(name))) problems.push(`${nameOf(cert)}: dnsNames lack ${identityOf(name)}, the server name its clients send`);
    for (const caller of callers) {
      const callerDeployment = deploymentOf(m, caller.name);
      const callerContainer = callerDeployment && appContainers(m).find((x) => x.d === callerDeployment)?.c;
      if (!callerDeployment || !callerContainer) continue;
      const url = podEnv(callerDeployment, callerContainer).env[`${specOf(name).servicePrefix!}_SERVICE_URL`];
      const host = url === undefined ? undefined : targetHostPort(url)?.host;
      if (host && !(cert.spec?.dnsNames ?? []).includes(host)) problems.push(`${nameOf(cert)}: dnsNames lack ${host}, which ${nameOf(callerDeployment)} dials`);
    }
  }
  return problems;
}

const specOf = (name: ProcessName) => PROCESS_SPECS.find((p) => p.name === name)!;

/**
 * Probes cannot present a client certificate: every gRPC probe of a project container is on its
 * plaintext health port (GRPC_HEALTH_PORT), never on the mutual-TLS port.
 */
export function probeProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const { d, c, spec, where } of appContainers(m)) {
    let config: Record<string, unknown> | undefined;
    try {
      config = processConfig(spec, podEnv(d, c).env);
    } catch {
      continue; // configProblems reports it
    }
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
      const port = c[kind]?.grpc?.port;
      if (port === undefined) continue;
      if (config.GRPC_HEALTH_PORT === undefined) problems.push(`${where}: ${kind} speaks gRPC but GRPC_HEALTH_PORT is unset (the service's port wants a client certificate)`);
      else if (port !== config.GRPC_HEALTH_PORT) problems.push(`${where}: ${kind} is on port ${port}, not the plaintext health port ${String(config.GRPC_HEALTH_PORT)}`);
    }
  }
  return problems;
}

/** The Deployments a policy peer's pod selector selects (same namespace). */
function selected(m: Manifests, namespace: string | undefined, labels: Record<string, string> | undefined): string[] {
  return deployments(m)
    .filter((d) => d.metadata.namespace === namespace && selects(labels, d.spec.template.metadata.labels))
    .map((d) => d.metadata.name)
    .sort();
}

/**
 * NetworkPolicies (their rules add up): every project Deployment is selected by one; a service's ingress admits only
 * the Deployments of the processes that call it (process-spec.ts), on its port; the gateway's
 * admits anyone on its port; each project pod's egress reaches what it calls, the collector tier
 * and DNS.
 */
export function networkPolicyProblems(m: Manifests): string[] {
  const problems: string[] = [];
  const policies = ofKind(m, 'NetworkPolicy') as unknown as NetworkPolicy[];
  for (const { d, c, spec, where } of appContainers(m)) {
    const name = processNameOf(spec);
    // Policies add up: the rules of every policy selecting the pods, named after the first.
    const selecting = policies.filter((p) => p.metadata.namespace === d.metadata.namespace && selects(p.spec.podSelector.matchLabels, d.spec.template.metadata.labels));
    if (selecting.length === 0) {
      problems.push(`${where}: no NetworkPolicy selects its pods`);
      continue;
    }
    const policy = {
      ...selecting[0]!,
      spec: {
        ...selecting[0]!.spec,
        ingress: selecting.flatMap((p) => p.spec.ingress ?? []),
        egress: selecting.flatMap((p) => p.spec.egress ?? []),
        policyTypes: [...new Set(selecting.flatMap((p) => p.spec.policyTypes ?? []))],
      },
    };
    const env = podEnv(d, c).env;
    let config: Record<string, unknown>;
    try {
      config = processConfig(spec, env);
    } catch {
      continue;
    }
    const port = config[spec.portKey] as number;
    const rules = policy.spec.ingress ?? [];
    const onPort = rules.filter((r) => (r.ports ?? []).some((p) => p.port === port));
    if (name === 'gateway') {
      if (!onPort.some((r) => r.from === undefined)) problems.push(`${nameOf(policy)}: the gateway must be reachable from anywhere on ${port}`);
    } else {
      const admitted = onPort.flatMap((r) => (r.from ?? [{}]).map((f) => (f.podSelector ? selected(m, policy.metadata.namespace, f.podSelector.matchLabels) : ['<anyone>']))).flat();
      const callers = PROCESS_SPECS.filter((p) => (p.calls as readonly string[]).includes(name)).map((p) => deploymentOf(m, p.name)?.metadata.name ?? `<${p.name}>`);
      if (JSON.stringify([...new Set(admitted)].sort()) !== JSON.stringify(callers.sort())) {
        problems.push(`${nameOf(policy)}: port ${port} admits [${[...new Set(admitted)].sort().join(', ')}], but only its callers [${callers.sort().join(', ')}] may reach it`);
      }
    }
    if (!(policy.spec.policyTypes ?? []).includes('Egress')) continue;
    const egress = policy.spec.egress ?? [];
    const reaches = (deployment: string | undefined, toPort: number) =>
      egress.some((r) => (r.ports ?? []).some((p) => p.port === toPort) && (r.to === undefined || r.to.some((t) => t.podSelector && deployment !== undefined && selected(m, policy.metadata.namespace, t.podSelector.matchLabels).includes(deployment))));
    for (const callee of specOf(name).calls) {
      const target = deploymentOf(m, callee);
      const calleePort = target && (processConfig(appContainers(m).find((x) => x.d === target)!.spec, podEnv(target, appContainers(m).find((x) => x.d === target)!.c).env)[specOf(callee).portEnv] as number);
      if (!target || calleePort === undefined || !reaches(target.metadata.name, calleePort)) problems.push(`${nameOf(policy)}: egress does not reach ${callee} (${String(target?.metadata.name)})`);
    }
    if (!reaches('otelcol-lb', 4318)) problems.push(`${nameOf(policy)}: egress does not reach the collector tier (otelcol-lb:4318)`);
    if (!egress.some((r) => (r.ports ?? []).some((p) => p.port === 53 && p.protocol === 'UDP'))) problems.push(`${nameOf(policy)}: egress does not reach DNS (53/UDP)`);
  }
  return problems;
}
