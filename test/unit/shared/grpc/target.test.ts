import { create, createFileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { expect } from 'chai';
import { loadConfig, ConfigError } from '../../../../shared/config/load-config';
import { contractRegistry } from '../../../../shared/contracts';
import { isRetryableMethod, retryableMethods, serviceConfigFor } from '../../../../shared/grpc/service-config';
import { parseTarget, targetFor, TargetError } from '../../../../shared/grpc/target';
import { gatewayConfigSchema } from '../../../../gateway/config';
import { DOWNSTREAM } from '../../../../gateway/grpc-clients';

describe('gRPC targets (shared/grpc/target.ts)', () => {
  const good: Array<[string, ReturnType<typeof parseTarget>]> = [
    ['127.0.0.1:50051', { scheme: 'dns', addresses: [{ host: '127.0.0.1', port: 50051 }] }],
    ['user-service:50051', { scheme: 'dns', addresses: [{ host: 'user-service', port: 50051 }] }],
    ['dns:///user-service.prod.svc:50051', { scheme: 'dns', addresses: [{ host: 'user-service.prod.svc', port: 50051 }] }],
    ['dns:user-service:50051', { scheme: 'dns', addresses: [{ host: 'user-service', port: 50051 }] }],
    ['dns://10.0.0.2:53/users:50051', { scheme: 'dns', addresses: [{ host: 'users', port: 50051 }], authority: '10.0.0.2:53' }],
    [
      'ipv4:127.0.0.1:50051,127.0.0.1:50151',
      { scheme: 'ipv4', addresses: [{ host: '127.0.0.1', port: 50051 }, { host: '127.0.0.1', port: 50151 }] },
    ],
    ['ipv4:10.0.0.1:1, 10.0.0.2:2', { scheme: 'ipv4', addresses: [{ host: '10.0.0.1', port: 1 }, { host: '10.0.0.2', port: 2 }] }],
    ['ipv6:[::1]:50051,[::1]:50151', { scheme: 'ipv6', addresses: [{ host: '::1', port: 50051 }, { host: '::1', port: 50151 }] }],
    ['[::1]:50051', { scheme: 'dns', addresses: [{ host: '::1', port: 50051 }] }],
  ];
  for (const [text, parsed] of good) {
    it(`parses ${text}`, () => expect(parseTarget(text)).to.deep.equal(parsed));
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['nohostport', /missing :port/],
    ['host:0', /port must be 1\.\.65535/],
    ['host:70000', /port must be 1\.\.65535/],
    ['http://x:80', /unsupported scheme/],
    ['ipv4:127.0.0.1:1,,127.0.0.2:2', /empty address/],
    ['ipv4:localhost:50051', /not an IPv4 address/],
    ['ipv4:[::1]:50051', /not an IPv4 address/],
    ['ipv6:127.0.0.1:50051', /not an bracketed IPv6 address/],
    ['::1:50051', /write IPv6 as \[addr\]:port/],
    ['under_score:1', /not a host name/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} with a message listing the accepted forms`, () => {
      expect(() => parseTarget(text)).to.throw(TargetError, message).with.property('message').that.includes('ipv4:');
    });
  }

  it('targetFor: one instance is host:port, several are an ipv4:/ipv6: list', () => {
    expect(targetFor([{ host: '127.0.0.1', port: 50051 }])).to.equal('127.0.0.1:50051');
    expect(targetFor([{ host: '127.0.0.1', port: 50051 }, { host: '127.0.0.1', port: 50151 }])).to.equal('ipv4:127.0.0.1:50051,127.0.0.1:50151');
    expect(targetFor([{ host: '::1', port: 1 }, { host: '::1', port: 2 }])).to.equal('ipv6:[::1]:1,[::1]:2');
    expect(() => targetFor([{ host: 'a', port: 1 }, { host: 'b', port: 2 }])).to.throw(TargetError, /IP addresses/);
    expect(() => targetFor([])).to.throw(TargetError);
    // Whatever targetFor writes, parseTarget reads back.
    const list = [{ host: '10.1.2.3', port: 7 }, { host: '10.1.2.4', port: 8 }];
    expect(parseTarget(targetFor(list)).addresses).to.deep.equal(list);
  });

  it('USER_SERVICE_URL / AUTH_SERVICE_URL take every form and reject a bad one naming the key', () => {
    const c = loadConfig(gatewayConfigSchema, { env: { USER_SERVICE_URL: 'ipv4:127.0.0.1:1,127.0.0.1:2', AUTH_SERVICE_URL: 'dns:///auth:50052' } });
    expect(c.USER_SERVICE_URL).to.equal('ipv4:127.0.0.1:1,127.0.0.1:2');
    expect(c.AUTH_SERVICE_URL).to.equal('dns:///auth:50052');
    expect(() => loadConfig(gatewayConfigSchema, { env: { AUTH_SERVICE_URL: 'ipv4:127.0.0.1' } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/AUTH_SERVICE_URL \(or [a-z_.]+ in config\.yaml\): "127\.0\.0\.1": missing :port/);
  });
});

describe('channel service config (shared/grpc/service-config.ts)', () => {
  it('is round_robin under the health-checked policy watching the service it is for', () => {
    const config = serviceConfigFor('auth.v1.AuthService');
    expect(config.loadBalancingConfig).to.deep.equal([
      { traced_health_checked: { serviceName: 'auth.v1.AuthService', childPolicy: [{ round_robin: {} }] } },
    ]);
  });

  it('retries, on UNAVAILABLE only, exactly the RPCs the contracts mark NO_SIDE_EFFECTS, plus the health check', () => {
    const config = serviceConfigFor('user.v1.UserService');
    expect(config.methodConfig).to.have.length(1);
    const [methods] = config.methodConfig;
    expect(methods!.retryPolicy.retryableStatusCodes).to.deep.equal(['UNAVAILABLE']);
    const retried = methods!.name.map((m) => `/${m.service}/${m.method}`);
    // Walked here from the generated service definitions (every RPC there is), each looked up in
    // the descriptors for its option: an RPC missing from the descriptors fails the lookup.
    const marked: string[] = [];
    const unmarked: string[] = [];
    for (const definition of Object.values(DOWNSTREAM).map((d) => d.Client.service)) {
      for (const { path } of Object.values(definition)) {
        const [, service, method] = path.split('/');
        const desc = contractRegistry().getService(service!)?.methods.find((m) => m.name === method);
        expect(desc, `${path} in gen/descriptors.binpb`).to.not.equal(undefined);
        (desc!.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ? marked : unmarked).push(path);
      }
    }
    expect(retried).to.have.members([...marked, '/grpc.health.v1.Health/Check']);
    for (const path of unmarked) expect(isRetryableMethod(path), path).to.equal(false);
    for (const path of retried) expect(isRetryableMethod(path), path).to.equal(true);
    // The contracts as they stand: the reads are marked, and no write is.
    expect(marked).to.include.members(['/user.v1.UserService/GetUser', '/user.v1.UserService/ListUsers', '/auth.v1.AuthService/ValidateToken', '/auth.v1.AuthService/GetCurrentUser']);
    expect(unmarked).to.include.members(['/user.v1.UserService/CreateUser', '/user.v1.UserService/DeleteUser', '/auth.v1.AuthService/Login', '/auth.v1.AuthService/RefreshToken', '/auth.v1.AuthService/Logout']);
  });

  it('follows the contract: an RPC newly marked NO_SIDE_EFFECTS is retried, an IDEMPOTENT one is not', () => {
    const file = create(FileDescriptorProtoSchema, {
      name: 'test/v1/test.proto',
      package: 'test.v1',
      syntax: 'proto3',
      messageType: [{ name: 'Empty' }],
      service: [
        {
          name: 'TestService',
          method: [
            { name: 'Read', inputType: '.test.v1.Empty', outputType: '.test.v1.Empty', options: { idempotencyLevel: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS } },
            { name: 'Put', inputType: '.test.v1.Empty', outputType: '.test.v1.Empty', options: { idempotencyLevel: MethodOptions_IdempotencyLevel.IDEMPOTENT } },
            { name: 'Write', inputType: '.test.v1.Empty', outputType: '.test.v1.Empty' },
          ],
        },
      ],
    });
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [file] }));
    expect(retryableMethods(registry)).to.deep.equal([
      { service: 'test.v1.TestService', method: 'Read' },
      { service: 'grpc.health.v1.Health', method: 'Check' },
    ]);
  });

  it('is a service config grpc-js accepts', () => {
    // grpc-js's own validator, the one the channel runs on `grpc.service_config`.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { validateServiceConfig } = require('@grpc/grpc-js/build/src/service-config') as { validateServiceConfig(o: unknown): unknown };
    expect(() => validateServiceConfig(JSON.parse(JSON.stringify(serviceConfigFor('user.v1.UserService'))))).to.not.throw();
  });
});
