import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../../shared/paths';
import {
  configProblems,
  imageProblems,
  portProblems,
  secretProblems,
  serviceProblems,
  serviceUrlProblems,
  shutdownProblems,
  targetHostPort,
  tracingProblems,
} from '../../support/k8s/app-checks';
import { disruptionBudgetProblems, jaegerConfigMapProblems, jaegerWiringProblems, loadBalancerProblems } from '../../support/k8s/jaeger-checks';
import { k8sDir, loadManifests, type Deployment, type K8sObject, type Manifests } from '../../support/k8s/manifests';
import { certificateProblems, networkPolicyProblems, probeProblems } from '../../support/k8s/identity-checks';
import { podHardeningProblems } from '../../support/k8s/pod-checks';

// No cluster runs here: what would only show once deployed (a pod that cannot start, a Service
// that selects nothing, a probe on the wrong port, traces sent nowhere) is checked offline, against
// the processes' own config schemas. Each check is also shown to notice a broken copy.

const manifests = loadManifests();
const examples = loadManifests(path.join(k8sDir, 'examples'));
const composeJaegerImage = (parseYaml(fs.readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8')) as { services: { jaeger: { image: string } } }).services.jaeger.image;

/** A copy to break. */
const copy = (): Manifests => structuredClone(manifests);

/** The object `kind/name` of a set of manifests. */
function get(m: Manifests, kind: string, name: string): K8sObject {
  const found = m.objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)?.object;
  if (!found) throw new Error(`no ${kind}/${name} in deploy/k8s`);
  return found;
}

/** Sets (or adds) a plain env value on a Deployment's first container. */
function setEnv(m: Manifests, deployment: string, name: string, value: string): void {
  const env = ((get(m, 'Deployment', deployment) as Deployment).spec.template.spec.containers[0]!.env ??= []);
  const existing = env.find((v) => v.name === name);
  if (existing) {
    existing.value = value;
    delete existing.valueFrom;
  } else env.push({ name, value });
}

/** Drops an env entry from a Deployment's first container. */
function dropEnv(m: Manifests, deployment: string, name: string): void {
  const c = (get(m, 'Deployment', deployment) as Deployment).spec.template.spec.containers[0]!;
  c.env = c.env?.filter((v) => v.name !== name);
}

const container = (m: Manifests, deployment: string) => (get(m, 'Deployment', deployment) as Deployment).spec.template.spec.containers[0]!;

/** Asserts that a check reports a problem matching `pattern`. */
function expectProblem(problems: string[], pattern: RegExp): void {
  expect(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got:\n${problems.join('\n')}`).to.equal(true);
}

describe('deploy/k8s: cross-references (offline)', () => {
  it('has what the checks below look at: three project Deployments, the collector tier (load balancer, samplers), the query tier, their Services', () => {
    const names = manifests.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`);
    for (const name of ['Namespace/traced', 'Deployment/gateway', 'Deployment/user-service', 'Deployment/auth-service', 'Deployment/otelcol-lb', 'Deployment/jaeger-sampler', 'Deployment/jaeger-query', 'Service/gateway', 'Service/user', 'Service/auth', 'Service/jaeger-collector', 'Service/jaeger-sampler', 'Service/jaeger-query', 'PodDisruptionBudget/otelcol-lb', 'PodDisruptionBudget/jaeger-sampler']) {
      expect(names).to.include(name);
    }
    expect((get(manifests, 'Deployment', 'user-service') as Deployment).spec.replicas).to.equal(2);
    expect((get(manifests, 'Deployment', 'auth-service') as Deployment).spec.replicas).to.equal(2);
    expect((get(manifests, 'Deployment', 'otelcol-lb') as Deployment).spec.replicas).to.equal(2);
    expect((get(manifests, 'Deployment', 'jaeger-sampler') as Deployment).spec.replicas).to.equal(2);
  });

  describe('every process starts with its environment (its own config schema, production rules)', () => {
    it('passes for the committed manifests', () => expect(configProblems(manifests)).to.deep.equal([]));
    it('notices NODE_ENV unset', () => {
      const m = copy();
      dropEnv(m, 'auth-service', 'NODE_ENV');
      expectProblem(configProblems(m), /auth-service .*NODE_ENV must be production/);
    });
    it('notices JWT_SECRET given as a literal instead of from a Secret', () => {
      const m = copy();
      setEnv(m, 'auth-service', 'JWT_SECRET', 'a-literal-secret-in-the-manifest-0123456789');
      expectProblem(configProblems(m), /JWT_SECRET must come from a Secret/);
    });
    it('notices a missing database URL (the process would fall back to SQLite on a read-only filesystem)', () => {
      const m = copy();
      dropEnv(m, 'user-service', 'USER_DB_URL');
      expectProblem(configProblems(m), /USER_DB_URL must come from a Secret/);
    });
    it('notices a value the schema refuses', () => {
      const m = copy();
      setEnv(m, 'auth-service', 'ACCESS_TOKEN_TTL_SECONDS', '100000');
      expectProblem(configProblems(m), /ACCESS_TOKEN_TTL_SECONDS.*at most 86400/);
    });
    it('notices a process bound to loopback', () => {
      const m = copy();
      dropEnv(m, 'gateway', 'GATEWAY_HOST');
      expectProblem(configProblems(m), /GATEWAY_HOST is 127\.0\.0\.1/);
    });
    it('notices a misspelt variable and a $(reference) to a later one', () => {
      const m = copy();
      setEnv(m, 'user-service', 'USER_SERVCE_HOST', '0.0.0.0');
      setEnv(m, 'user-service', 'TRACING_SAMPLE_RATE', '1.0');
      const c = container(m, 'user-service');
      c.env = [c.env!.find((v) => v.name === 'OTEL_RESOURCE_ATTRIBUTES')!, ...c.env!.filter((v) => v.name !== 'OTEL_RESOURCE_ATTRIBUTES')];
      const problems = configProblems(m);
      expectProblem(problems, /USER_SERVCE_HOST is not a setting of user-service/);
      expectProblem(problems, /TRACING_SAMPLE_RATE is not a setting of user-service/);
      expectProblem(problems, /OTEL_RESOURCE_ATTRIBUTES refers to \$\(POD_NAME\), which is not defined before it/);
    });
  });

  describe('Services select the pods of a Deployment', () => {
    it('passes for the committed manifests', () => expect(serviceProblems(manifests)).to.deep.equal([]));
    it('notices a Service whose selector matches no pod', () => {
      const m = copy();
      get(m, 'Service', 'user').spec!.selector = { 'app.kubernetes.io/name': 'users' };
      expectProblem(serviceProblems(m), /Service\/user: its selector matches the pods of no Deployment/);
    });
    it('notices a targetPort no container has', () => {
      const m = copy();
      get(m, 'Service', 'gateway').spec!.ports![0]!.targetPort = 'htp';
      expectProblem(serviceProblems(m), /Service\/gateway: targetPort htp is not a container port/);
    });
    it("notices a Deployment whose selector misses its own pods' labels", () => {
      const m = copy();
      (get(m, 'Deployment', 'gateway') as Deployment).spec.selector.matchLabels = { 'app.kubernetes.io/name': 'gw' };
      expectProblem(serviceProblems(m), /Deployment\/gateway: its selector does not match/);
    });
  });

  describe('ports: probes name container ports, container ports are the configured ones', () => {
    it('passes for the committed manifests', () => expect(portProblems(manifests)).to.deep.equal([]));
    it('notices a probe on a port the container does not have', () => {
      const m = copy();
      container(m, 'user-service').readinessProbe!.grpc!.port = 50099;
      expectProblem(portProblems(m), /user-service .*readinessProbe port 50099/);
    });
    it('notices a process configured to listen elsewhere than its container port', () => {
      const m = copy();
      setEnv(m, 'auth-service', 'AUTH_SERVICE_PORT', '50062');
      expectProblem(portProblems(m), /auth-service .*container ports \[50052, 8081\] but the process listens on 50062 and 8081/);
    });
    it("falls back to config.yaml's port when the env does not set one", () => {
      const m = copy();
      dropEnv(m, 'gateway', 'GATEWAY_PORT');
      container(m, 'gateway').ports![0]!.containerPort = 8081;
      expectProblem(portProblems(m), /gateway .*container ports \[8081\] but the process listens on 8080/);
    });
  });

  describe('USER_SERVICE_URL / AUTH_SERVICE_URL name the headless Services', () => {
    it('passes for the committed manifests', () => expect(serviceUrlProblems(manifests)).to.deep.equal([]));
    it('notices a URL pointing at the wrong service', () => {
      const m = copy();
      setEnv(m, 'gateway', 'USER_SERVICE_URL', 'dns:///auth:50052');
      expectProblem(serviceUrlProblems(m), /gateway .*USER_SERVICE_URL=dns:\/\/\/auth:50052 does not reach user-service/);
    });
    it('notices a bare host:port where a dns:/// target belongs', () => {
      const m = copy();
      setEnv(m, 'gateway', 'USER_SERVICE_URL', 'user:50051');
      expectProblem(serviceUrlProblems(m), /USER_SERVICE_URL=user:50051 should be a dns:\/\/\/ target/);
    });
    it('notices a URL left at its loopback default', () => {
      const m = copy();
      dropEnv(m, 'user-service', 'AUTH_SERVICE_URL');
      expectProblem(serviceUrlProblems(m), /AUTH_SERVICE_URL=127\.0\.0\.1:50052 does not name a Service/);
    });
    it('notices a Service that is not headless', () => {
      const m = copy();
      delete get(m, 'Service', 'auth').spec!.clusterIP;
      expectProblem(serviceUrlProblems(m), /names Service\/auth, which is not headless/);
    });
    it('notices a headless Service port that maps to another container port (pods are dialled directly)', () => {
      const m = copy();
      get(m, 'Service', 'user').spec!.ports![0]!.port = 5000;
      setEnv(m, 'gateway', 'USER_SERVICE_URL', 'dns:///user:5000');
      expectProblem(serviceUrlProblems(m), /USER_SERVICE_URL=dns:\/\/\/user:5000 does not reach user-service \(Service\/user port 5000, dialled on the pod itself\)/);
    });
    it('accepts the namespaced form of the same name', () => {
      const m = copy();
      setEnv(m, 'gateway', 'USER_SERVICE_URL', 'dns:///user.traced.svc.cluster.local:50051');
      expect(serviceUrlProblems(m)).to.deep.equal([]);
      setEnv(m, 'gateway', 'USER_SERVICE_URL', 'dns:///user.other.svc.cluster.local:50051');
      expectProblem(serviceUrlProblems(m), /USER_SERVICE_URL=dns:\/\/\/user\.other\.svc\.cluster\.local:50051 does not name a Service/);
    });
    it('reads the host and port of host:port and dns: targets, nothing else', () => {
      expect(targetHostPort('user:50051')).to.deep.equal({ host: 'user', port: 50051 });
      expect(targetHostPort('dns:///user.traced:50051')).to.deep.equal({ host: 'user.traced', port: 50051 });
      expect(targetHostPort('dns:user:50051')).to.deep.equal({ host: 'user', port: 50051 });
      expect(targetHostPort('ipv4:10.0.0.1:50051,10.0.0.2:50051')).to.equal(undefined);
      expect(targetHostPort('dns://8.8.8.8/user:50051')).to.equal(undefined);
    });
  });

  describe('tracing goes to the collector tier, every trace, named by pod', () => {
    it('passes for the committed manifests', () => expect(tracingProblems(manifests)).to.deep.equal([]));
    it('notices the OTLP gRPC port given for the OTLP/HTTP exporter', () => {
      const m = copy();
      setEnv(m, 'gateway', 'TRACING_COLLECTOR_URL', 'http://jaeger-collector:4317/v1/traces');
      expectProblem(tracingProblems(m), /gateway .*not the collector tier's OTLP\/HTTP receiver/);
    });
    it('notices traces sent past the load balancer, straight to the samplers', () => {
      const m = copy();
      const sampler = get(m, 'Service', 'jaeger-sampler');
      sampler.spec!.ports!.push({ name: 'otlp-http', port: 4318, targetPort: 'otlp-http' });
      setEnv(m, 'gateway', 'TRACING_COLLECTOR_URL', 'http://jaeger-sampler:4318/v1/traces');
      expectProblem(tracingProblems(m), /gateway .*not the collector tier's OTLP\/HTTP receiver/);
    });
    it('notices traces sent past the collector tier, straight to the query Jaeger', () => {
      const m = copy();
      setEnv(m, 'user-service', 'TRACING_COLLECTOR_URL', 'http://jaeger-query:4417/v1/traces');
      expectProblem(tracingProblems(m), /user-service .*not the collector tier's OTLP\/HTTP receiver/);
    });
    it('notices head sampling below 1.0 and service.instance.id not from the pod name', () => {
      const m = copy();
      setEnv(m, 'auth-service', 'TRACING_SAMPLING_RATE', '0.1');
      setEnv(m, 'auth-service', 'OTEL_RESOURCE_ATTRIBUTES', 'service.instance.id=$(NODE_NAME)');
      const problems = tracingProblems(m);
      expectProblem(problems, /auth-service .*samples 0\.1 of traces/);
      expectProblem(problems, /auth-service .*service\.instance\.id is node-1, not the pod's name/);
    });
  });

  describe('shutdown fits in the grace period', () => {
    it('passes for the committed manifests', () => expect(shutdownProblems(manifests)).to.deep.equal([]));
    it('notices a grace period shorter than preStop + drain + flush', () => {
      const m = copy();
      (get(m, 'Deployment', 'gateway') as Deployment).spec.template.spec.terminationGracePeriodSeconds = 20;
      expectProblem(shutdownProblems(m), /gateway .*terminationGracePeriodSeconds 20 is shorter than .* \(25 s\)/);
    });
  });

  describe('images are Dockerfile targets, Jaeger is the one docker-compose.yml runs', () => {
    it('passes for the committed manifests', () => expect(imageProblems(manifests, composeJaegerImage)).to.deep.equal([]));
    it('notices a target the Dockerfile does not have, and another Jaeger or collector version', () => {
      const m = copy();
      container(m, 'user-service').image = 'traced-users:0.1.0';
      container(m, 'jaeger-query').image = 'jaegertracing/jaeger:2.10.0';
      container(m, 'otelcol-lb').image = 'otel/opentelemetry-collector-contrib:0.140.0';
      const problems = imageProblems(m, composeJaegerImage);
      expectProblem(problems, /user-service: image traced-users:0\.1\.0: the Dockerfile has no target users/);
      expectProblem(problems, /jaeger-query: image jaegertracing\/jaeger:2\.10\.0/);
      expectProblem(problems, /otelcol-lb: image otel\/opentelemetry-collector-contrib:0\.140\.0 .* nor otel\/opentelemetry-collector-contrib:0\.150\.0/);
    });
  });

  describe('Secrets: described by the example, never applied, fail closed', () => {
    it('passes for the committed manifests', () => expect(secretProblems(manifests, examples)).to.deep.equal([]));
    it('notices a secretKeyRef the example does not describe', () => {
      const m = copy();
      container(m, 'auth-service').env!.find((v) => v.name === 'JWT_SECRET')!.valueFrom!.secretKeyRef!.key = 'JWT_KEY';
      expectProblem(secretProblems(m, examples), /JWT_SECRET reads Secret auth-service-secrets key JWT_KEY/);
    });
    it('notices the example pointing both services at one database', () => {
      const ex = structuredClone(examples);
      get(ex, 'Secret', 'user-service-secrets').stringData!.USER_DB_URL = 'postgres://USER:PASSWORD@POSTGRES-HOST:5432/auth';
      expectProblem(secretProblems(manifests, ex), /USER_DB_URL and AUTH_DB_URL name the same database \/auth/);
    });
    it('notices a Secret among the applied manifests, and an example key that would be accepted', () => {
      const m = copy();
      m.objects.push(...structuredClone(examples.objects));
      const ex = structuredClone(examples);
      get(ex, 'Secret', 'auth-service-secrets').stringData!.JWT_SECRET = 'x'.repeat(40);
      expectProblem(secretProblems(m, examples), /Secret\/user-service-secrets is in the applied manifests/);
      expectProblem(secretProblems(manifests, ex), /placeholder JWT_SECRET would be accepted/);
    });
  });

  describe('the Jaeger tiers and the load balancer: configs from deploy/, wired to their pods', () => {
    it('passes for the committed manifests', () => {
      expect(jaegerConfigMapProblems(manifests)).to.deep.equal([]);
      expect(jaegerWiringProblems(manifests)).to.deep.equal([]);
    });
    it('notices a ConfigMap that differs from its deploy/ file', () => {
      const m = copy();
      const map = get(m, 'ConfigMap', 'jaeger-collector-config');
      map.data!['config.yaml'] = map.data!['config.yaml']!.replace('sampling_percentage', 'sampling_percent');
      expectProblem(jaegerConfigMapProblems(m), /jaeger-collector-config is not deploy\/jaeger-collector\.yaml/);
    });
    it('notices a listener on loopback, the exporter pointed at the UI port, and a stray container port', () => {
      const m = copy();
      setEnv(m, 'jaeger-sampler', 'COLLECTOR_HOST', '127.0.0.1');
      setEnv(m, 'jaeger-sampler', 'COLLECTOR_QUERY_OTLP', 'jaeger-query:16686');
      container(m, 'jaeger-query').ports!.push({ name: 'zipkin', containerPort: 9411 });
      const problems = jaegerWiringProblems(m);
      expectProblem(problems, /jaeger-sampler: receivers\.otlp\.protocols\.http\.endpoint binds 127\.0\.0\.1/);
      expectProblem(problems, /jaeger-sampler: exporters\.otlp\.endpoint jaeger-query:16686 does not reach/);
      expectProblem(problems, /jaeger-query: container port 9411 has no listener/);
    });
    it('notices Badger on the read-only root filesystem and a memory limiter above the limit', () => {
      const m = copy();
      setEnv(m, 'jaeger-query', 'JAEGER_BADGER_DIR', '/var/lib/badger');
      setEnv(m, 'jaeger-sampler', 'COLLECTOR_MEMORY_LIMIT_MIB', '600');
      const problems = jaegerWiringProblems(m);
      expectProblem(problems, /jaeger-query: Badger directory \/var\/lib\/badger\/keys is not on a writable volume/);
      expectProblem(problems, /jaeger-sampler: memory_limiter limit_mib 600 is not below .* 512Mi/);
    });
  });

  describe('the load balancer: routes by trace id to every sampler pod through the headless Service', () => {
    it('passes for the committed manifests', () => {
      expect(loadBalancerProblems(manifests)).to.deep.equal([]);
      expect(disruptionBudgetProblems(manifests)).to.deep.equal([]);
    });
    it('notices the resolver naming a Service that is not headless, or not the samplers', () => {
      const m = copy();
      delete get(m, 'Service', 'jaeger-sampler').spec!.clusterIP;
      expectProblem(loadBalancerProblems(m), /otelcol-lb: jaeger-sampler\.traced\.svc\.cluster\.local names Service\/jaeger-sampler, which is not headless/);
      const m2 = copy();
      setEnv(m2, 'otelcol-lb', 'LB_RESOLVER', '{dns: {hostname: jaeger-query, port: "4317"}}');
      expectProblem(loadBalancerProblems(m2), /the dns resolver's jaeger-query:4317 does not reach a sampler's OTLP gRPC receiver/);
      const m3 = copy();
      setEnv(m3, 'otelcol-lb', 'LB_RESOLVER', '{dns: {hostname: samplers, port: "4317"}}');
      expectProblem(loadBalancerProblems(m3), /the dns resolver's samplers names no Service/);
    });
    it('notices the resolver on a port the samplers do not receive OTLP gRPC on (pods are dialled directly)', () => {
      const m = copy();
      setEnv(m, 'otelcol-lb', 'LB_RESOLVER', '{dns: {hostname: jaeger-sampler, port: "4318"}}');
      expectProblem(loadBalancerProblems(m), /jaeger-sampler:4318 does not reach a sampler's OTLP gRPC receiver/);
    });
    it('notices routing by service instead of trace id, a static list, and one replica', () => {
      const m = copy();
      const map = get(m, 'ConfigMap', 'otelcol-lb-config');
      map.data!['config.yaml'] = map.data!['config.yaml']!.replace('routing_key: traceID', 'routing_key: service');
      (get(m, 'Deployment', 'otelcol-lb') as Deployment).spec.replicas = 1;
      let problems = loadBalancerProblems(m);
      expectProblem(problems, /routing_key is service, not traceID/);
      expectProblem(problems, /otelcol-lb: 1 replica/);
      setEnv(m, 'otelcol-lb', 'LB_RESOLVER', '{static: {hostnames: [jaeger-sampler:4317]}}');
      problems = loadBalancerProblems(m);
      expectProblem(problems, /the static resolver does not follow the sampler pods/);
    });
    it('notices a PodDisruptionBudget that selects nothing, one that blocks every drain, and samplers without one', () => {
      const m = copy();
      (get(m, 'PodDisruptionBudget', 'otelcol-lb').spec!.selector as { matchLabels: Record<string, string> }).matchLabels = { 'app.kubernetes.io/name': 'otelcol' };
      get(m, 'PodDisruptionBudget', 'jaeger-sampler').spec!.maxUnavailable = 0;
      let problems = disruptionBudgetProblems(m);
      expectProblem(problems, /PodDisruptionBudget\/otelcol-lb: its selector matches the pods of no Deployment/);
      expectProblem(problems, /Deployment\/otelcol-lb: no PodDisruptionBudget covers its pods/);
      expectProblem(problems, /PodDisruptionBudget\/jaeger-sampler: with Deployment\/jaeger-sampler's 2 replicas it allows no disruption/);
      m.objects = m.objects.filter((o) => !(o.object.kind === 'PodDisruptionBudget' && o.object.metadata.name === 'jaeger-sampler'));
      problems = disruptionBudgetProblems(m);
      expectProblem(problems, /Deployment\/jaeger-sampler: no PodDisruptionBudget covers its pods/);
    });
    it('checks the load balancer pod like the Jaegers: listeners on container ports, bound to 0.0.0.0', () => {
      const m = copy();
      setEnv(m, 'otelcol-lb', 'LB_HOST', '127.0.0.1');
      setEnv(m, 'otelcol-lb', 'LB_HEALTH_PORT', '13136');
      const problems = jaegerWiringProblems(m);
      expectProblem(problems, /otelcol-lb: receivers\.otlp\.protocols\.grpc\.endpoint binds 127\.0\.0\.1/);
      expectProblem(problems, /otelcol-lb: extensions\.health_check\.endpoint listens on 13136, not a container port/);
    });
  });

  describe('pods: requests and limits, hardened', () => {
    it('passes for the committed manifests', () => expect(podHardeningProblems(manifests)).to.deep.equal([]));
    it('notices a writable root filesystem, a missing limit and a root user', () => {
      const m = copy();
      delete container(m, 'gateway').securityContext!.readOnlyRootFilesystem;
      delete container(m, 'user-service').resources!.limits!.memory;
      (get(m, 'Deployment', 'auth-service') as Deployment).spec.template.spec.securityContext!.runAsUser = 0;
      const problems = podHardeningProblems(m);
      expectProblem(problems, /gateway container gateway: readOnlyRootFilesystem must be true/);
      expectProblem(problems, /user-service container user-service: memory needs a request and a limit/);
      expectProblem(problems, /auth-service: the pod must run as non-root/);
    });
  });

  describe('service identity: cert-manager Certificates, mounted Secrets, probes, NetworkPolicies', () => {
    const certificate = (m: Manifests, name: string) => get(m, 'Certificate', name) as K8sObject & { spec: { uris?: string[]; dnsNames?: string[]; secretName: string } };

    it('passes for the committed manifests', () => {
      expect(certificateProblems(manifests)).to.deep.equal([]);
      expect(probeProblems(manifests)).to.deep.equal([]);
      expect(networkPolicyProblems(manifests)).to.deep.equal([]);
    });
    it('keeps cert-manager kinds in files of their own (scripts/k8s-validate.sh leaves those to these checks)', () => {
      const files = new Map<string, Set<boolean>>();
      for (const { file, object } of manifests.objects) {
        const set = files.get(file) ?? new Set<boolean>();
        set.add(object.apiVersion.startsWith('cert-manager.io/'));
        files.set(file, set);
      }
      for (const [file, kinds] of files) expect(kinds.size, `${file} mixes cert-manager kinds with built-in ones`).to.equal(1);
      expect([...files].filter(([, kinds]) => kinds.has(true)).map(([file]) => file)).to.include('deploy/k8s/pki.yaml');
    });
    it("notices a certificate naming another service, missing its identity or a host its callers dial, or a Secret nobody issues", () => {
      const m = copy();
      certificate(m, 'auth-service-tls').spec.uris = ['spiffe://traced-grpc-microservices/user-service'];
      certificate(m, 'user-service-tls').spec.dnsNames = ['user.traced'];
      certificate(m, 'gateway-tls').spec.secretName = 'gateway-certs';
      const problems = certificateProblems(m);
      expectProblem(problems, /Certificate\/auth-service-tls: uris must be \[spiffe:\/\/traced-grpc-microservices\/auth-service\]/);
      expectProblem(problems, /Certificate\/user-service-tls: dnsNames lack user, which Deployment\/gateway dials/);
      expectProblem(problems, /Certificate\/user-service-tls: dnsNames lack user-service, the server name its clients send/);
      expectProblem(problems, /gateway container gateway: no Certificate issues its Secret gateway-tls/);
    });
    it('notices a TLS file outside the mounted Secret, and a key readable by everyone', () => {
      const m = copy();
      setEnv(m, 'user-service', 'GRPC_TLS_KEY', '/tmp/tls.key');
      const volume = (get(m, 'Deployment', 'auth-service') as Deployment).spec.template.spec.volumes!.find((v) => v.name === 'tls')!;
      volume.secret!.defaultMode = 0o444;
      const problems = certificateProblems(m);
      expectProblem(problems, /user-service container user-service: GRPC_TLS_KEY \(\/tmp\/tls\.key\) is not in a mounted Secret/);
      expectProblem(problems, /auth-service container auth-service: the Secret volume tls lets every user read the private key/);
    });
    it('notices a gRPC probe on the mutual-TLS port, or with no health port', () => {
      const m = copy();
      container(m, 'user-service').readinessProbe!.grpc!.port = 50051;
      dropEnv(m, 'auth-service', 'GRPC_HEALTH_PORT');
      const problems = probeProblems(m);
      expectProblem(problems, /user-service container user-service: readinessProbe is on port 50051, not the plaintext health port 8081/);
      expectProblem(problems, /auth-service container auth-service: startupProbe speaks gRPC but GRPC_HEALTH_PORT is unset/);
    });
    it('notices a policy that lets a non-caller reach a service, leaves a pod unselected, or blocks the collector', () => {
      const m = copy();
      const user = get(m, 'NetworkPolicy', 'user-service') as unknown as { spec: { ingress: Array<{ from: Array<{ podSelector: { matchLabels: Record<string, string> } }> }> } };
      user.spec.ingress[0]!.from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth-service' } } });
      const auth = get(m, 'NetworkPolicy', 'auth-service') as unknown as { spec: { egress: Array<{ ports?: Array<{ port: number }> }> } };
      auth.spec.egress = auth.spec.egress.filter((r) => !(r.ports ?? []).some((p) => p.port === 4318));
      m.objects = m.objects.filter((o) => !(o.object.kind === 'NetworkPolicy' && o.object.metadata.name === 'gateway'));
      const problems = networkPolicyProblems(m);
      expectProblem(problems, /NetworkPolicy\/user-service: port 50051 admits \[auth-service, gateway\], but only its callers \[gateway\] may reach it/);
      expectProblem(problems, /NetworkPolicy\/auth-service: egress does not reach the collector tier/);
      expectProblem(problems, /gateway container gateway: no NetworkPolicy selects its pods/);
    });
  });
});
