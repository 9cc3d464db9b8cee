import {
  credentials,
  makeGenericClientConstructor,
  status,
  type ChannelCredentials,
  type ClientOptions,
  Metadata,
  type Client,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { expect } from 'chai';
import { service as healthService } from 'grpc-health-check';
import { createLogger } from '../../../../shared/logging/logger';
import { startGrpcServer, type RunningGrpcServer } from '../../../../shared/grpc/server';
import { dialAs, tlsAs } from '../../../support/pki';
import { jsonUnaryService } from '../../../../bench/json-unary';

const slowDefinition = jsonUnaryService('/test.v1.Slow/Wait', 'Wait');
type SlowClient = Client & {
  Wait(req: { ms: number }, md: Metadata, opts: object, cb: (e: ServiceError | null, r?: { waited: number }) => void): void;
};
type HealthClient = Client & {
  Watch(req: { service: string }): NodeJS.EventEmitter & { cancel(): void };
};

async function start(shutdownTimeoutMs: number, readinessCheck?: () => Promise<void>, healthPort?: number): Promise<RunningGrpcServer> {
  return startGrpcServer({
    readinessCheck,
    host: '127.0.0.1',
    port: 0,
    tls: await tlsAs('user-service'),
    healthPort,
    services: [
      {
        name: 'test.v1.Slow',
        definition: slowDefinition,
        implementation: {
          Wait: (call: ServerUnaryCall<{ ms: number }, unknown>, cb: sendUnaryData<unknown>) => {
            setTimeout(() => cb(null, { waited: call.request.ms }), call.request.ms);
          },
        },
      },
    ],
    logger: createLogger('test', 'silent'),
    shutdownTimeoutMs,
  });
}

function wait(client: SlowClient, ms: number): Promise<{ waited: number }> {
  return new Promise((resolve, reject) =>
    client.Wait({ ms }, new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r!))),
  );
}

describe('gRPC server lifecycle (shared/grpc/server.ts)', function () {
  this.timeout(20_000);
  const Slow = makeGenericClientConstructor(slowDefinition, 'Slow') as unknown as new (a: string, c: ChannelCredentials, o?: Partial<ClientOptions>) => SlowClient;
  const Health = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'Health') as unknown as new (a: string, c: ChannelCredentials, o?: Partial<ClientOptions>) => HealthClient;
  // Every port speaks mutual TLS: the tests call as a service of this system.
  let asService: [ChannelCredentials, Partial<ClientOptions>];
  before(async () => {
    asService = await dialAs('gateway', 'user-service');
  });

  it('on shutdown: health turns NOT_SERVING, an in-flight call still completes, then it stops', async () => {
    const server = await start(5000);
    const address = `127.0.0.1:${server.port}`;
    const client = new Slow(address, ...asService);
    const health = new Health(address, ...asService);
    const statuses: string[] = [];
    const watch = health.Watch({ service: '' });
    watch.on('data', (m: { status: string }) => statuses.push(m.status));
    watch.on('error', () => undefined);
    while (statuses.length === 0) await new Promise((r) => setTimeout(r, 20));

    const inFlight = wait(client, 600);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const stopped = server.shutdown();
    await new Promise((r) => setTimeout(r, 100));
    expect(statuses).to.deep.equal(['SERVING', 'NOT_SERVING']);
    watch.cancel();
    expect(await inFlight).to.deep.equal({ waited: 600 });
    await stopped;
    expect(Date.now() - started).to.be.within(350, 4000);
    client.close();
    health.close();
  });

  it('forces the stop after the drain timeout: a call that would outlive it is cut off', async () => {
    const server = await start(300);
    const client = new Slow(`127.0.0.1:${server.port}`, ...asService);
    const tooLong = wait(client, 5000).then(
      () => 'completed',
      (e: ServiceError) => `failed ${e.code}`,
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).to.be.lessThan(1500);
    expect(await tooLong).to.match(/^failed \d+$/);
    client.close();
  });

  it('reports NOT_SERVING while its readiness check fails and SERVING once it passes, then stays down on shutdown', async () => {
    let dependencyUp = true;
    const server = await start(2000, async () => {
      if (!dependencyUp) throw new Error('database unreachable');
    });
    const health = new Health(`127.0.0.1:${server.port}`, ...asService);
    const statuses: string[] = [];
    const watch = health.Watch({ service: 'test.v1.Slow' });
    watch.on('data', (m: { status: string }) => statuses.push(m.status));
    watch.on('error', () => undefined);
    const waitFor = async (n: number) => {
      const until = Date.now() + 5000;
      while (statuses.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    };
    await waitFor(1);
    dependencyUp = false;
    await waitFor(2); // the check runs every second
    dependencyUp = true;
    await waitFor(3);
    expect(statuses).to.deep.equal(['SERVING', 'NOT_SERVING', 'SERVING']);
    await server.shutdown();
    await waitFor(4);
    expect(statuses.at(-1)).to.equal('NOT_SERVING');
    watch.cancel();
    health.close();
  });

  it('serves grpc.health.v1 alone in plaintext on healthPort, for probes without a client certificate', async () => {
    const probe = await start(500);
    const healthPort = probe.port;
    await probe.shutdown(); // a free port: the one just released
    const server = await start(500, undefined, healthPort);
    const health = new Health(`127.0.0.1:${healthPort}`, credentials.createInsecure());
    const check = (client: Client & { Check?: unknown }) =>
      new Promise<string>((resolve, reject) =>
        (client as unknown as { Check(r: object, m: Metadata, o: object, cb: (e: ServiceError | null, r?: { status: string }) => void): void }).Check(
          { service: '' },
          new Metadata(),
          { deadline: Date.now() + 3000 },
          (e, r) => (e ? reject(e) : resolve(r!.status)),
        ),
      );
    expect(await check(health)).to.equal('SERVING');
    // The service itself is not there: only health is.
    const plainSlow = new Slow(`127.0.0.1:${healthPort}`, credentials.createInsecure());
    const err = await wait(plainSlow, 1).then(() => undefined, (e: ServiceError) => e);
    expect(err?.code).to.equal(status.UNIMPLEMENTED);
    // And the service's own port refuses plaintext.
    const plainMain = new Slow(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const refused = await new Promise<ServiceError>((resolve) =>
      plainMain.Wait({ ms: 1 }, new Metadata(), { deadline: Date.now() + 2000 }, (e) => resolve(e!)),
    );
    expect(refused.code).to.be.oneOf([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);
    for (const c of [health, plainSlow, plainMain]) c.close();
    await server.shutdown();
  });
});
