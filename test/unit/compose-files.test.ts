import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { gatewayConfigSchema } from '../../gateway/config';
import { collectorConfig, DEFAULT_COLLECTOR_TIER_PORTS, loadBalancerConfig, queryConfig } from '../../scripts/stack/collector-tier';
import { authConfigSchema } from '../../services/auth/config';
import { userConfigSchema } from '../../services/user/config';
import { databaseSettings } from '../../shared/config/database';
import { loadConfig } from '../../shared/config/load-config';
import { projectRoot } from '../../shared/paths';
import { composeModel, environmentOf as envOf, mountedConfigOf, portMapping, readComposeFile, type ComposeModel } from '../support/compose';
import { otelcolImage } from '../support/k8s/app-checks';
import { endpointPort, renderJaegerConfig } from '../support/k8s/jaeger-config';

// No Docker engine runs here, so the compose files are checked for what would break a user's
// `docker compose up`: every value a service is given must pass that service's own config schema,
// and the collector tier must be the one the launcher runs.

/** The environment compose gives `service` with these files layered in order. */
const environmentOf = (files: string[], service: string) => envOf(composeModel(files), service);

const SCHEMAS = { 'auth-service': authConfigSchema, 'user-service': userConfigSchema, gateway: gatewayConfigSchema } as const;

describe('docker-compose files (checked offline)', () => {
  const layers = [['docker-compose.yml'], ['docker-compose.yml', 'docker-compose.postgres.yml'], ['docker-compose.yml', 'docker-compose.collector.yml']];
  for (const files of layers) {
    for (const [service, schema] of Object.entries(SCHEMAS)) {
      it(`${files.join(' + ')}: ${service}'s environment passes its config schema`, () => {
        const env = environmentOf(files, service);
        expect(Object.keys(env), `${service} has an environment`).to.not.be.empty;
        expect(() => loadConfig(schema as typeof authConfigSchema, { env })).to.not.throw();
      });
    }
  }

  it('docker-compose.postgres.yml points each service at its own database, created by deploy/postgres/init.sql', () => {
    const files = ['docker-compose.yml', 'docker-compose.postgres.yml'];
    const auth = databaseSettings(loadConfig(authConfigSchema, { env: environmentOf(files, 'auth-service') }), 'AUTH');
    const user = databaseSettings(loadConfig(userConfigSchema, { env: environmentOf(files, 'user-service') }), 'USER');
    const dbName = (url: string | undefined) => new URL(url!).pathname.slice(1);
    expect(new URL(auth.url!).hostname).to.equal('postgres');
    expect(dbName(auth.url)).to.not.equal(dbName(user.url));
    const init = fs.readFileSync(path.join(projectRoot, 'deploy/postgres/init.sql'), 'utf8');
    for (const name of [dbName(auth.url), dbName(user.url)]) expect(init).to.match(new RegExp(`CREATE DATABASE ${name}\\b`));
    expect(Object.keys(readComposeFile('docker-compose.postgres.yml').services)).to.include('postgres');
  });

  it('mounts only files that exist', () => {
    for (const file of layers.flat()) {
      const doc = readComposeFile(file);
      for (const [service, spec] of Object.entries(doc.services)) {
        for (const volume of spec.volumes ?? []) {
          const source = volume.split(':')[0]!;
          if (source.startsWith('.')) expect(fs.existsSync(path.join(projectRoot, source)), `${file}: ${service} mounts ${source}`).to.equal(true);
        }
      }
    }
  });
});

describe('docker-compose.collector.yml: the tier of `npm start -- --collector 2` (checked offline)', () => {
  const model: ComposeModel = composeModel(['docker-compose.yml', 'docker-compose.collector.yml']);
  /** The services that run `file` as their --config. */
  const running = (file: string) => Object.keys(model.services).filter((name) => mountedConfigOf(model.services[name]!)?.file === file);
  /** A tier service's config with its compose environment in place of `${env:...}`. */
  const rendered = (service: string) => renderJaegerConfig(mountedConfigOf(model.services[service]!)!.text, envOf(model, service)) as Record<string, any>;
  const grpcPort = (service: string) => endpointPort(rendered(service), ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint']);
  const published = (service: string) => (model.services[service]!.ports ?? []).map(portMapping);

  const [lb, ...extraLbs] = running(loadBalancerConfig);
  const samplers = running(collectorConfig);
  const [query, ...extraQueries] = running(queryConfig);

  it("runs the launcher's three configs: one load balancer, two samplers, one query tier (the base file's jaeger)", () => {
    expect(lb, 'a service with deploy/otelcol-lb.yaml').to.be.a('string');
    expect(extraLbs).to.deep.equal([]);
    expect(samplers).to.have.length(2);
    expect(query).to.equal('jaeger');
    expect(extraQueries).to.deep.equal([]);
  });

  it("images: the load balancer is the contrib release scripts/tools.sh builds otelcol-lb from, the others the base file's Jaeger", () => {
    expect(model.services[lb!]!.image).to.equal(otelcolImage());
    const manifest = parseYaml(fs.readFileSync(path.join(projectRoot, 'deploy/otelcol-lb/manifest.yaml'), 'utf8')) as { dist: { version: string } };
    expect(otelcolImage().endsWith(`:${manifest.dist.version}`), 'the image is the manifest release').to.equal(true);
    const jaegerImage = readComposeFile('docker-compose.yml').services.jaeger!.image;
    for (const name of [...samplers, query!]) expect(model.services[name]!.image, name).to.equal(jaegerImage);
  });

  it("the load balancer routes by trace id, and its static resolver names exactly the two samplers' OTLP gRPC receivers", () => {
    const exporter = rendered(lb!).exporters.loadbalancing;
    expect(exporter.routing_key).to.equal('traceID');
    expect(Object.keys(exporter.resolver)).to.deep.equal(['static']);
    const expected = samplers.map((name) => `${name}:${grpcPort(name)}`);
    expect([...exporter.resolver.static.hostnames].sort()).to.deep.equal(expected.sort());
  });

  it("every service exports to the load balancer's OTLP/HTTP receiver, and every tier listener is reachable from the other containers", () => {
    const httpPort = endpointPort(rendered(lb!), ['receivers', 'otlp', 'protocols', 'http', 'endpoint']);
    // Every traced service of the base file, a generated one included.
    const traced = Object.keys(model.services).filter((service) => envOf(model, service).TRACING_SERVICE_NAME !== undefined);
    expect(traced).to.include.members(Object.keys(SCHEMAS));
    for (const service of traced) {
      expect(envOf(model, service).TRACING_COLLECTOR_URL, service).to.equal(`http://${lb}:${httpPort}/v1/traces`);
      expect(model.services[service]!.depends_on, service).to.include(lb);
    }
    for (const name of [lb!, ...samplers, query!]) {
      for (const protocol of Object.values(rendered(name).receivers.otlp.protocols) as Array<{ endpoint: string }>) {
        expect(protocol.endpoint, `${name} binds`).to.match(/^0\.0\.0\.0:\d+$/);
      }
    }
  });

  it("the samplers forward to the query tier's OTLP receiver, each writing its own collector.sampler", () => {
    const ids = samplers.map((name) => {
      const config = rendered(name);
      expect(config.exporters.otlp.endpoint, name).to.equal(`${query}:${grpcPort(query!)}`);
      return config.processors['attributes/sampler'].actions[0].value as string;
    });
    expect(new Set(ids).size, `sampler ids ${ids.join(', ')}`).to.equal(samplers.length);
  });

  it("keeps Badger's files on a named volume at the image's world-writable /tmp (the image is not root)", () => {
    const dir = envOf(model, query!).JAEGER_BADGER_DIR!;
    const named = (model.services[query!]!.volumes ?? []).map((v) => v.split(':')).filter(([source]) => !source!.startsWith('.'));
    expect(named.some(([source, target]) => target === '/tmp' && dir.startsWith('/tmp/') && source! in (readComposeFile('docker-compose.collector.yml').volumes ?? {})), `${dir} on ${JSON.stringify(named)}`).to.equal(true);
  });

  it('sets only variables its configs read (a misspelt one would be ignored silently)', () => {
    for (const name of [lb!, ...samplers, query!]) {
      const text = mountedConfigOf(model.services[name]!)!.text;
      for (const key of Object.keys(envOf(model, name))) expect(text, `${name}: ${key}`).to.contain(`\${env:${key}`);
    }
  });

  it("publishes the launcher's ports: OTLP on the load balancer, sampler i's RED metrics on 8889 + i, the UI; none twice", () => {
    const ports = DEFAULT_COLLECTOR_TIER_PORTS;
    const lbConfig = rendered(lb!);
    expect(published(lb!)).to.deep.include.members([
      { published: ports.COLLECTOR_OTLP_GRPC_PORT, target: endpointPort(lbConfig, ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint']) },
      { published: ports.COLLECTOR_OTLP_HTTP_PORT, target: endpointPort(lbConfig, ['receivers', 'otlp', 'protocols', 'http', 'endpoint']) },
    ]);
    [...samplers].sort().forEach((name, i) => {
      const metrics = endpointPort(rendered(name), ['exporters', 'prometheus', 'endpoint']);
      expect(published(name), name).to.deep.equal([{ published: ports.COLLECTOR_METRICS_PORT + i, target: metrics }]);
    });
    expect(published(query!)).to.deep.equal([{ published: ports.JAEGER_QUERY_PORT, target: endpointPort(rendered(query!), ['extensions', 'jaeger_query', 'http', 'endpoint']) }]);
    const hostPorts = Object.values(model.services).flatMap((s) => (s.ports ?? []).map((p) => portMapping(p).published));
    expect(hostPorts.length, `host ports ${hostPorts.join(', ')}`).to.equal(new Set(hostPorts).size);
  });

  it("Prometheus scrapes every sampler's RED metrics, and the query tier reads that Prometheus", () => {
    const prometheus = parseYaml(fs.readFileSync(path.join(projectRoot, 'deploy/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const expected = samplers.map((name) => `${name}:${endpointPort(rendered(name), ['exporters', 'prometheus', 'endpoint'])}`);
    expect([...targets].sort()).to.deep.equal(expected.sort());
    expect(model.services.prometheus!.volumes).to.include('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(envOf(model, query!).PROMETHEUS_URL).to.equal('http://prometheus:9090');
  });

  it("gives every service its own certificate from the one-shot pki service's volume, before it starts", () => {
    const doc = parseYaml(fs.readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[]; volumes?: string[]; depends_on?: unknown }>;
    };
    expect(doc.services.pki?.command?.join(' ')).to.match(/node \.\/dist\/scripts\/pki\.js \/pki/);
    expect(fs.existsSync(path.join(projectRoot, 'scripts/pki.ts'))).to.equal(true);
    for (const service of Object.keys(SCHEMAS)) {
      const env = environmentOf(['docker-compose.yml'], service);
      expect(env, service).to.include({ GRPC_TLS_CA: '/pki/ca.crt', GRPC_TLS_CERT: `/pki/${service}.crt`, GRPC_TLS_KEY: `/pki/${service}.key` });
      expect(doc.services[service]!.volumes, service).to.include('pki:/pki:ro');
    }
    // The services that the others wait for wait for the certificates themselves.
    for (const service of ['auth-service']) {
      expect(doc.services[service]!.depends_on, service).to.deep.include({ pki: { condition: 'service_completed_successfully' } });
    }
  });
});
