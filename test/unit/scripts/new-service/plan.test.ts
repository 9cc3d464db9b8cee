import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { fill, namesFor, planService, RefusedName, singular, type Plan } from '../../../../scripts/new-service/plan';
import { parseFaults } from '../../../../shared/faults/fault-rules';
import { contractMethodPaths } from '../../../../shared/contracts';
import { isPublicMethod } from '../../../../shared/grpc/method-auth';
import { projectRoot } from '../../../../shared/paths';
import { unusedServiceName } from '../../../support/service-name';

// The generator's plan, in memory: what it would write for a name, and what it refuses. The
// generated code itself is compiled and run by test/e2e/new-service.test.ts.

const edited = (plan: Plan, file: string) => plan.edit.find((f) => f.path === file)!.content;

const NAME = unusedServiceName();

/**
 * The project's contracts plus `file` (a new .proto), through `buf lint` and `buf build` as
 * `npm run lint:proto` and `npm run gen` run them, in a scratch folder; the descriptors it builds.
 */
function contractsWith(file: { path: string; content: string }): FileRegistry {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-'));
  try {
    fs.cpSync(path.join(projectRoot, 'proto'), path.join(dir, 'proto'), { recursive: true });
    fs.copyFileSync(path.join(projectRoot, 'buf.yaml'), path.join(dir, 'buf.yaml'));
    fs.mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, file.path), file.content);
    const buf = path.join(projectRoot, 'node_modules/.bin/buf');
    execFileSync(buf, ['lint'], { cwd: dir, stdio: 'pipe' });
    execFileSync(buf, ['build', '--exclude-source-info', '-o', 'descriptors.binpb'], { cwd: dir, stdio: 'pipe' });
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, fs.readFileSync(path.join(dir, 'descriptors.binpb'))));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('npm run new:service: the plan (scripts/new-service/plan.ts)', () => {
  it('spells a name every way the templates need, one record singular', () => {
    expect(namesFor('orders', [50052, 50051, 8080])).to.deep.equal({ name: 'orders', Name: 'Orders', NAME: 'ORDERS', entity: 'order', Entity: 'Order', port: 50053 });
    expect(namesFor('inventory', [50052, 50051, 50053, 8080]).port).to.equal(50054);
    expect(['orders', 'categories', 'boxes', 'addresses', 'inventory', 'status', 'bus', 'analysis', 'news'].map(singular)).to.deep.equal([
      'order', 'category', 'box', 'address', 'inventory', 'status', 'bus', 'analysis', 'new',
    ]);
    const names = namesFor('orders', [50051]);
    expect(fill('__Name__Service.Get__Entity__ __NAME___SERVICE_URL __name___db __entity__ :__port__', names)).to.equal(
      'OrdersService.GetOrder ORDERS_SERVICE_URL orders_db order :50052',
    );
  });

  it('plans the files of a service and one or two lines in each list, without writing anything', () => {
    const before = fs.readdirSync(path.join(projectRoot, 'services')).sort();
    const plan = planService(projectRoot, NAME);
    expect(fs.readdirSync(path.join(projectRoot, 'services')).sort()).to.deep.equal(before);
    const n = NAME;
    const { NAME: N, port } = plan.names;
    expect(plan.create.map((f) => f.path)).to.include.members([
      `proto/${n}/v1/${n}.proto`,
      `services/${n}/main.ts`,
      `services/${n}/start-${n}-service.ts`,
      `services/${n}/config.ts`,
      `services/${n}/config.yaml`,
      `services/${n}/db/migrations.ts`,
      `gateway/trpc/routers/${n}.ts`,
      `deploy/k8s/${n}-service.yaml`,
      `test/unit/services/${n}/${n}-handlers.test.ts`,
      `test/integration/${n}.test.ts`,
    ]);
    for (const file of plan.create) expect(file.content, file.path).not.to.match(/__\w+__/);
    expect(plan.edit.map((f) => f.path).sort()).to.deep.equal(
      ['Dockerfile', 'deploy/k8s/examples/secrets.example.yaml', 'deploy/k8s/gateway.yaml', 'docker-compose.collector.yml', 'docker-compose.yml', 'gateway/config.ts', 'gateway/config.yaml', 'gateway/grpc-clients.ts', 'gateway/rest/routes.ts', 'gateway/trpc/app-router.ts', 'scripts/stack/process-spec.ts'].sort(),
    );
    // Each edit only adds lines (and extends a one-line list), never removes one.
    for (const file of plan.edit) {
      const old = fs.readFileSync(path.join(projectRoot, file.path), 'utf8').split('\n');
      const lines = file.content.split('\n');
      const removed = old.filter((line) => !lines.includes(line));
      expect(removed.length, `${file.path} changed ${removed.join(' | ')}`).to.be.at.most(1);
    }
    // The last service, so the gateway (which calls every service) starts after it.
    expect(edited(plan, 'scripts/stack/process-spec.ts')).to.match(new RegExp(`\\{ name: '${n}', folder: 'services/${n}',.*calls: \\['auth'\\] \\},\\n\\] as const satisfies`));
    expect(edited(plan, 'gateway/trpc/app-router.ts')).to.include(`${n}: ${n}Router }`).and.include(`...${n}Schemas,`);
    expect(edited(plan, 'gateway/config.ts')).to.include(`${N}_SERVICE_URL: grpcTarget('127.0.0.1:${port}')`);
    const compose = parseAllDocuments(edited(plan, 'docker-compose.yml'))[0]!.toJS() as { services: Record<string, { environment: Record<string, string>; depends_on: string[] }>; volumes: object };
    expect(compose.services[`${n}-service`]!.environment).to.include({ [`${N}_DB_PATH`]: `/data/${n}.db`, TRACING_SERVICE_NAME: `${n}-service` });
    expect(compose.services.gateway!.environment).to.include({ [`${N}_SERVICE_URL`]: `dns:///${n}-service:${port}` });
    expect(compose.services.gateway!.depends_on).to.include(`${n}-service`);
    expect(compose.volumes).to.have.property(`${n}-data`);
    const overlay = parseAllDocuments(edited(plan, 'docker-compose.collector.yml'))[0]!.toJS() as { services: Record<string, { environment: Record<string, string>; depends_on: string[] }> };
    expect(overlay.services[`${n}-service`]!.environment).to.deep.equal(overlay.services.gateway!.environment);
    expect(overlay.services[`${n}-service`]!.depends_on).to.deep.equal(['otelcol-lb']);
    const gatewayDeployment = parseAllDocuments(edited(plan, 'deploy/k8s/gateway.yaml')).map((d) => d.toJS()).find((d) => d?.kind === 'Deployment');
    expect(gatewayDeployment.spec.template.spec.containers[0].env).to.deep.include({ name: `${N}_SERVICE_URL`, value: `dns:///${n}:${port}` });
  });

  it('writes a contract that passes buf lint and builds, every RPC protected, and {public: true} builds as written', () => {
    const plan = planService(projectRoot, NAME);
    const { name, Name, Entity } = plan.names;
    const proto = plan.create.find((f) => f.path === `proto/${name}/v1/${name}.proto`)!;
    const service = `/${name}.v1.${Name}Service`;
    const asGenerated = contractsWith(proto);
    expect(isPublicMethod(`${service}/Create${Entity}`, asGenerated)).to.equal(false);
    expect(isPublicMethod(`${service}/Get${Entity}`, asGenerated)).to.equal(false);
    // What docs/extending.md tells a reader to write to let anyone call an RPC.
    const flipped = proto.content.replace(/(rpc Get\w+\([^)]*\) returns \([^)]*\) \{[^}]*?option \(common\.v1\.auth\) = \{public: )false/, '$1true');
    expect(flipped).not.to.equal(proto.content);
    const opened = contractsWith({ ...proto, content: flipped });
    expect(isPublicMethod(`${service}/Get${Entity}`, opened)).to.equal(true);
    expect(isPublicMethod(`${service}/Create${Entity}`, opened)).to.equal(false);
  });

  it("writes a config.yaml whose FAULTS example the FAULTS parser accepts once the new contract is in the descriptors", () => {
    const plan = planService(projectRoot, NAME);
    const { name, Name, Entity } = plan.names;
    const registry = contractsWith(plan.create.find((f) => f.path === `proto/${name}/v1/${name}.proto`)!);
    expect(contractMethodPaths(registry)).to.include.members([`${name}.v1.${Name}Service/Create${Entity}`, 'user.v1.UserService/GetUser']);
    const config = plan.create.find((f) => f.path === `services/${name}/config.yaml`)!.content;
    const example = /FAULTS in the environment,\n# e\.g\. "([^"]+)"/.exec(config)?.[1];
    expect(example, 'the FAULTS example in config.yaml').to.be.a('string');
    const faults = parseFaults(example!, contractMethodPaths(registry));
    expect([...faults.keys()]).to.deep.equal([`${name}.v1.${Name}Service/Get${Entity}`]);
    // Before `npm run gen` has described the new service, the same example is refused.
    expect(() => parseFaults(example!, contractMethodPaths())).to.throw(/is not a method of this project/);
  });

  for (const [name, why] of [
    ['orders-2', /not a valid service name/],
    ['Orders', /not a valid service name/],
    ['o', /not a valid service name/],
    ['1orders', /not a valid service name/],
    ['auth', /"auth" exists: it is a process/],
    ['users', /"users" exists: .*tRPC router/],
    ['gateway', /"gateway" is reserved/],
    ['delete', /"delete" is reserved/],
    ['message', /"message" is reserved/],
  ] as const) {
    it(`refuses "${name}", saying why`, () => {
      expect(() => planService(projectRoot, name)).to.throw(RefusedName, why);
    });
  }

  it('stops naming the file when a list it edits has changed shape', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    try {
      const plan = planService(projectRoot, NAME);
      for (const file of [...plan.edit.map((f) => f.path), 'scripts/new-service']) {
        fs.cpSync(path.join(projectRoot, file), path.join(root, file), { recursive: true });
      }
      fs.cpSync(path.join(projectRoot, 'scripts/stack/process-spec.ts'), path.join(root, 'scripts/stack/process-spec.ts'));
      const grpcClients = path.join(root, 'gateway/grpc-clients.ts');
      fs.writeFileSync(grpcClients, fs.readFileSync(grpcClients, 'utf8').replace(/target: '/g, 'url: '));
      expect(() => planService(root, NAME)).to.throw(/gateway\/grpc-clients\.ts: no line matches/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
