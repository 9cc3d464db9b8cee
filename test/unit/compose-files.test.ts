import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { gatewayConfigSchema } from '../../gateway/config';
import { authConfigSchema } from '../../services/auth/config';
import { userConfigSchema } from '../../services/user/config';
import { databaseSettings } from '../../shared/config/database';
import { loadConfig } from '../../shared/config/load-config';
import { projectRoot } from '../../shared/paths';

// No Docker engine runs here, so the compose files are checked for what would break a user's
// `docker compose up`: every value a service is given must pass that service's own config schema.

type ComposeDoc = { services: Record<string, { environment?: Record<string, string> }> };
const read = (file: string) => parseYaml(fs.readFileSync(path.join(projectRoot, file), 'utf8'), { merge: true }) as ComposeDoc;
// `${VAR:-default}` as compose resolves it when VAR is unset.
const resolve = (value: unknown) => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

/** The environment compose gives `service` with these files layered in order. */
function environmentOf(files: string[], service: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const file of files) {
    for (const [key, value] of Object.entries(read(file).services[service]?.environment ?? {})) {
      if (key !== '<<') env[key] = resolve(value);
    }
  }
  return env;
}

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
    expect(Object.keys(read('docker-compose.postgres.yml').services)).to.include('postgres');
  });

  it('mounts only files that exist, and docker-compose.collector.yml sends every service to the collector tier', () => {
    for (const file of layers.flat()) {
      const doc = parseYaml(fs.readFileSync(path.join(projectRoot, file), 'utf8'), { merge: true }) as { services: Record<string, { volumes?: string[] }> };
      for (const [service, spec] of Object.entries(doc.services)) {
        for (const volume of spec.volumes ?? []) {
          const source = volume.split(':')[0]!;
          if (source.startsWith('.')) expect(fs.existsSync(path.join(projectRoot, source)), `${file}: ${service} mounts ${source}`).to.equal(true);
        }
      }
    }
    for (const service of Object.keys(SCHEMAS)) {
      const env = environmentOf(['docker-compose.yml', 'docker-compose.collector.yml'], service);
      expect(env.TRACING_COLLECTOR_URL, service).to.equal('http://jaeger-collector:4318/v1/traces');
    }
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
