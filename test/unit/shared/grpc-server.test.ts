import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type Client,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { expect } from 'chai';
import { service as healthService } from 'grpc-health-check';
import { createLogger } from '../../../shared/logging/logger';
import { startGrpcServer, type RunningGrpcServer } from '../../../shared/grpc/server';

const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()) as unknown,
};
const slowDefinition: ServiceDefinition = {
  Wait: {
    path: '/test.v1.Slow/Wait',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};
type SlowClient = Client & {
  Wait(req: { ms: number }, md: Metadata, opts: object, cb: (e: ServiceError | null, r?: { waited: number }) => void): void;
};
type HealthClient = Client & {
  Watch(req: { service: string }): NodeJS.EventEmitter & { cancel(): void };
};

async function start(shutdownTimeoutMs: number): Promise<RunningGrpcServer> {
  return startGrpcServer({
    host: '127.0.0.1',
    port: 0,
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
  const Slow = makeGenericClientConstructor(slowDefinition, 'Slow') as unknown as new (a: string, c: ReturnType<typeof credentials.createInsecure>) => SlowClient;
  const Health = makeGenericClientConstructor(healthService as unknown as ServiceDefinition, 'Health') as unknown as new (a: string, c: ReturnType<typeof credentials.createInsecure>) => HealthClient;

  it('on shutdown: health turns NOT_SERVING, an in-flight call still completes, then it stops', async () => {
    const server = await start(5000);
    const address = `127.0.0.1:${server.port}`;
    const client = new Slow(address, credentials.createInsecure());
    const health = new Health(address, credentials.createInsecure());
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
    const client = new Slow(`127.0.0.1:${server.port}`, credentials.createInsecure());
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
});
