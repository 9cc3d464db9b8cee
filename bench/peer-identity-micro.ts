// What it costs a gRPC server to know which service calls it: the peer's certificate read per
// call (`call.getAuthContext()`, which parses it every time) against the identity read once per
// connection when its TLS handshake completes (shared/grpc/mtls-port.ts, connection-identity.ts).
//
//   npm run bench -- --micro peer-identity [--rounds 5] [--iterations 20000]
//
// Two measurements, in process over real mutual TLS on loopback:
// - CPU per call of the whole process (client included) against a server as grpc-js binds it with
//   the step per call, and one started by startGrpcServer, rounds alternating;
// - then the identity step alone, both ways on the same calls (timed inside the handler).
// test/unit/shared/grpc/connection-identity.test.ts checks that connections are told apart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  makeGenericClientConstructor,
  Metadata,
  Server,
  type ChannelCredentials,
  type ClientOptions,
  type Client,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { provisionDevPki } from '../scripts/stack/dev-pki';
import { serverNameOf } from '../shared/grpc/client';
import { peerServiceOf } from '../shared/grpc/connection-identity';
import { noRetryOfAnsweredUnavailable } from '../shared/grpc/retry-pushback';
import { startGrpcServer } from '../shared/grpc/server';
import { serviceIdentityOf } from '../shared/grpc/service-identity';
import { readServiceTls, type ServiceTls } from '../shared/grpc/tls';
import { createLogger } from '../shared/logging/logger';
import { median } from './load-result';
import type { MicroOptions } from './cli';
import { jsonUnaryService } from './json-unary';

const definition = jsonUnaryService('/bench.v1.Who/Who', 'Who');
type WhoClient = Client & { Who(req: object, md: Metadata, cb: (e: ServiceError | null, r?: { service?: string }) => void): void };
const Who = makeGenericClientConstructor(definition, 'Who') as unknown as new (a: string, c: ChannelCredentials, o?: Partial<ClientOptions>) => WhoClient;

/** Nanoseconds the two ways of reading the identity took, summed over the calls timed (while `on`). */
const step = { on: false, perCall: 0n, perConnection: 0n, calls: 0 };

type Handler = (call: ServerUnaryCall<object, unknown>, cb: sendUnaryData<unknown>) => void;

/** grpc-js's own TLS port, the identity read from the certificate on every call (the way before). */
async function perCallServer(tls: ServiceTls): Promise<{ port: number; stop(): void }> {
  const server = new Server({ interceptors: [noRetryOfAnsweredUnavailable] });
  const who: Handler = (call, cb) => cb(null, { service: serviceIdentityOf(call.getAuthContext()) });
  server.addService(definition, { Who: who });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', tls.server(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, stop: () => server.forceShutdown() };
}

/** The project's server: the identity read once per connection; the handler also times both ways. */
async function perConnectionServer(tls: ServiceTls): Promise<{ port: number; stop(): Promise<void> }> {
  const who: Handler = (call, cb) => {
    if (!step.on) return cb(null, { service: peerServiceOf(call.metadata) });
    const t0 = process.hrtime.bigint();
    const before = serviceIdentityOf(call.getAuthContext());
    const t1 = process.hrtime.bigint();
    const after = peerServiceOf(call.metadata);
    const t2 = process.hrtime.bigint();
    if (before !== after) throw new Error(`the two ways disagree: ${before} against ${after}`);
    step.perCall += t1 - t0;
    step.perConnection += t2 - t1;
    step.calls++;
    cb(null, { service: after });
  };
  const running = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    tls,
    services: [{ name: 'bench.v1.Who', definition, implementation: { Who: who } }],
    logger: createLogger('bench', 'silent'),
    shutdownTimeoutMs: 1000,
  });
  return { port: running.port, stop: () => running.shutdown() };
}

/** Makes `calls` calls, `inFlight` at a time; resolves with the process's CPU µs per call. */
async function cpuPerCall(client: WhoClient, calls: number, inFlight = 32): Promise<number> {
  const one = () =>
    new Promise<void>((resolve, reject) =>
      client.Who({}, new Metadata(), (e, r) => (e ? reject(e) : r?.service === 'gateway' ? resolve() : reject(new Error(`identity ${r?.service}`)))),
    );
  let left = calls;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (left-- > 0) await one();
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

/** Runs the comparison and prints it. */
export async function run(o: Pick<MicroOptions, 'rounds' | 'iterations'>): Promise<void> {
  const rounds = o.rounds ?? 5;
  const calls = o.iterations ?? 20_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-identity-'));
  try {
    const pki = await provisionDevPki(dir, { identities: ['auth-service', 'gateway'] });
    const tlsOf = (identity: string) => {
      const f = pki.filesOf(identity);
      return readServiceTls({ GRPC_TLS_CA: f.ca, GRPC_TLS_CERT: f.cert, GRPC_TLS_KEY: f.key });
    };
    const [serverTls, clientTls] = [tlsOf('auth-service'), tlsOf('gateway')];
    const before = await perCallServer(serverTls);
    const after = await perConnectionServer(serverTls);
    const dial = [clientTls.channelTo('auth-service'), serverNameOf('auth-service')] as const;
    const clients = { before: new Who(`127.0.0.1:${before.port}`, ...dial), after: new Who(`127.0.0.1:${after.port}`, ...dial) };
    await cpuPerCall(clients.before, calls / 4);
    await cpuPerCall(clients.after, calls / 4);
    const whole = { before: [] as number[], after: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const way of r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) whole[way].push(await cpuPerCall(clients[way], calls));
    }
    step.on = true;
    await cpuPerCall(clients.after, calls);
    const us = (ns: bigint) => Number(ns) / step.calls / 1000;
    process.stdout.write(`identity step, per call (getAuthContext + SAN)   ${us(step.perCall).toFixed(2)} µs/call\n`);
    process.stdout.write(`identity step, per connection (lookup)           ${us(step.perConnection).toFixed(2)} µs/call\n`);
    const ratios = whole.after.map((a, i) => a / whole.before[i]!);
    process.stdout.write(`whole call, identity per call                    ${median(whole.before).toFixed(1)} µs CPU/call (client + server)\n`);
    process.stdout.write(`whole call, identity per connection              ${median(whole.after).toFixed(1)} µs CPU/call (x${median(ratios).toFixed(3)}, paired rounds ${ratios.map((x) => x.toFixed(3)).join(' ')})\n`);
    clients.before.close();
    clients.after.close();
    before.stop();
    await after.stop();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
