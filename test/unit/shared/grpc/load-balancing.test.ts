import { Server, status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';
import { HealthImplementation } from 'grpc-health-check';
import { UserServiceClient, UserServiceService } from '../../../../gen/user/v1/user';
import pino from 'pino';
import { createClient, deadlineFor, unary } from '../../../../shared/grpc/client';
import { startGrpcServer } from '../../../../shared/grpc/server';
import { isNotServingError } from '../../../../shared/grpc/health-checked-lb';
import { targetFor } from '../../../../shared/grpc/target';
import { tlsAs } from '../../../support/pki';
import { sleep } from '../../../support/stack';

// Real grpc-js servers on loopback behind one channel made by createClient: what the gateway and
// the user service get when a target names several instances.

type Outcome = 'ok' | 'unavailable';

/** One instance: answers GetUser with its own name as the user id, counts what it served. */
class Instance {
  readonly served: string[] = [];
  getUser: Outcome = 'ok';
  createUser: Outcome = 'ok';
  readonly health = new HealthImplementation({ '': 'SERVING', 'user.v1.UserService': 'SERVING' });
  private server = new Server();
  port = 0;

  constructor(readonly name: string) {}

  private answer(method: string, outcome: () => Outcome) {
    return (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      this.served.push(method);
      if (outcome() === 'unavailable') callback({ code: status.UNAVAILABLE, details: `${this.name} unavailable` });
      else callback(null, method === 'GetUser' ? { user: { id: this.name } } : { user: { id: this.name } });
    };
  }

  async start(port = 0): Promise<void> {
    this.server = new Server();
    const impl: UntypedServiceImplementation = {
      getUser: this.answer('GetUser', () => this.getUser),
      createUser: this.answer('CreateUser', () => this.createUser),
    };
    this.server.addService(UserServiceService, impl);
    this.health.addToServer(this.server);
    const creds = (await tlsAs('user-service')).server();
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
  }

  setServing(serving: boolean): void {
    for (const name of ['', 'user.v1.UserService']) this.health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
  }

  kill(): void {
    this.server.forceShutdown();
  }
}

describe('load balancing and retries (shared/grpc service config)', function () {
  this.timeout(20_000);
  let a: Instance;
  let b: Instance;
  let client: InstanceType<typeof UserServiceClient>;

  beforeEach(async () => {
    a = new Instance('a');
    b = new Instance('b');
    await a.start();
    await b.start();
    client = createClient(UserServiceClient, targetFor([{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }]), await tlsAs('gateway'), { server: 'user-service' });
  });
  afterEach(() => {
    client.close();
    a.kill();
    b.kill();
  });

  const getUser = () => unary(client, client.getUser, { id: 'x' }, { deadline: deadlineFor(2_000) }).then((r) => r.user!.id);
  const createUser = () => unary(client, client.createUser, { email: 'e@x.io', password: 'pw-long-enough', name: 'n' }, { deadline: deadlineFor(2_000) });

  /** Calls GetUser `n` times one after another; resolves with who answered each. */
  async function sequence(n: number): Promise<string[]> {
    const who: string[] = [];
    for (let i = 0; i < n; i++) who.push(await getUser());
    return who;
  }

  /** Retries `check` until it holds (health updates and reconnects are asynchronous). */
  async function eventually(check: () => Promise<boolean>, withinMs = 5_000): Promise<void> {
    const giveUp = Date.now() + withinMs;
    while (!(await check())) {
      if (Date.now() > giveUp) throw new Error('condition not reached in time');
      await sleep(50);
    }
  }

  it('spreads calls over both instances (round_robin)', async () => {
    await sequence(4); // both connections up
    const who = await sequence(40);
    expect(who.filter((w) => w === 'a').length).to.be.within(15, 25);
    expect(who.filter((w) => w === 'b').length).to.be.within(15, 25);
  });

  it('skips an instance that reports NOT_SERVING, and uses it again once it is SERVING', async () => {
    await sequence(4);
    b.setServing(false);
    await eventually(async () => (await sequence(6)).every((w) => w === 'a'));
    expect(await sequence(20)).to.deep.equal(Array(20).fill('a'));
    b.setServing(true);
    await eventually(async () => (await sequence(6)).includes('b'));
  });

  it('fails fast with UNAVAILABLE saying so when every instance is NOT_SERVING; unreachable ones say otherwise', async () => {
    await sequence(4);
    a.setServing(false);
    b.setServing(false);
    let failure: { code?: number; details?: string } | undefined;
    await eventually(async () => getUser().then(() => false, (err: { code?: number; details?: string }) => ((failure = err), true)));
    expect(failure!.code).to.equal(status.UNAVAILABLE);
    expect(isNotServingError(failure), failure!.details).to.equal(true);
    expect(failure!.details).to.include('user.v1.UserService');
    expect(a.served.length + b.served.length).to.be.lessThan(20);
    a.kill();
    b.kill();
    await eventually(async () => getUser().then(() => false, (err: { details?: string }) => !isNotServingError(err)));
  });

  it('retries a read that failed with UNAVAILABLE (no pushback) on the other instance', async () => {
    await sequence(4);
    a.getUser = 'unavailable';
    a.served.length = 0;
    b.served.length = 0;
    const who = await sequence(10);
    expect(who).to.deep.equal(Array(10).fill('b'));
    // Some first attempts went to a and were retried on b; none failed.
    expect(a.served.length).to.be.greaterThan(0);
  });

  it('never retries a write', async () => {
    await sequence(4);
    a.createUser = 'unavailable';
    b.createUser = 'unavailable';
    a.served.length = 0;
    b.served.length = 0;
    let code: number | undefined;
    await createUser().catch((err: { code?: number }) => (code = err.code));
    expect(code).to.equal(status.UNAVAILABLE);
    expect(a.served.length + b.served.length).to.equal(1);
  });

  it('routes around an instance that died, and back to it once it is up again on the same port', async () => {
    await sequence(4);
    const port = b.port;
    b.kill();
    expect(await sequence(10)).to.deep.equal(Array(10).fill('a'));
    await b.start(port);
    await eventually(async () => (await sequence(6)).includes('b'));
  });

  it("does not retry an UNAVAILABLE that a running project server answered (its dependency is down for every instance)", async () => {
    const served: string[] = [];
    const tls = await tlsAs('user-service');
    const servers = await Promise.all(
      ['p', 'q'].map((name) =>
        startGrpcServer({
          host: '127.0.0.1',
          port: 0,
          tls,
          services: [
            {
              name: 'user.v1.UserService',
              definition: UserServiceService,
              implementation: {
                getUser: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
                  served.push(name);
                  callback({ code: status.UNAVAILABLE, details: 'auth service unavailable' });
                },
              },
            },
          ],
          logger: pino({ level: 'silent' }),
          shutdownTimeoutMs: 500,
        }),
      ),
    );
    const both = createClient(UserServiceClient, targetFor(servers.map((x) => ({ host: '127.0.0.1', port: x.port }))), await tlsAs('gateway'), { server: 'user-service' });
    try {
      for (let i = 0; i < 4; i++) {
        served.length = 0;
        let failure: { code?: number; metadata?: { get(k: string): unknown[] } } | undefined;
        await unary(both, both.getUser, { id: 'x' }, { deadline: deadlineFor(2_000) }).catch((err: typeof failure) => (failure = err));
        expect(failure?.code).to.equal(status.UNAVAILABLE);
        expect(failure?.metadata?.get('grpc-retry-pushback-ms')).to.deep.equal(['-1']);
        expect(served, 'one attempt only').to.have.length(1);
      }
    } finally {
      both.close();
      await Promise.all(servers.map((x) => x.shutdown()));
    }
  });

  describe('an instance killed between its response headers and its trailers', () => {
    let dying: { proc: ChildProcess; port: number; served: string[] };
    let mixed: InstanceType<typeof UserServiceClient>;

    beforeEach(async () => {
      const proc = spawn(process.execPath, [path.resolve(__dirname, '../../../fixtures/grpc/dying-instance.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const served: string[] = [];
      const port = await new Promise<number>((resolve) => {
        readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
          if (line.startsWith('port ')) resolve(Number(line.slice(5)));
          if (line.startsWith('served ')) served.push(line.slice(7));
        });
      });
      dying = { proc, port, served };
      mixed = createClient(UserServiceClient, targetFor([{ host: '127.0.0.1', port }, { host: '127.0.0.1', port: a.port }]), await tlsAs('gateway'), { server: 'user-service' });
    });
    afterEach(() => {
      mixed.close();
      dying.proc.kill('SIGKILL');
    });

    it('a read is repeated once, on the live instance (grpc-js had committed it and does not retry it)', async () => {
      for (let i = 0; i < 20 && dying.served.length === 0; i++) {
        expect(await unary(mixed, mixed.getUser, { id: 'x' }, { deadline: deadlineFor(2_000) }).then((r) => r.user!.id)).to.equal('a');
        await sleep(60); // the served line of the dying instance
      }
      expect(dying.served).to.deep.equal(['/user.v1.UserService/GetUser']);
    });

    it('a write is not repeated: it fails with UNAVAILABLE', async () => {
      let outcome: { code?: number } | 'ok' = 'ok';
      for (let i = 0; i < 20 && dying.served.length === 0; i++) {
        a.served.length = 0;
        outcome = await unary(mixed, mixed.createUser, { email: 'e@x.io', password: 'pw-long-enough', name: 'n' }, { deadline: deadlineFor(2_000) }).then(
          () => 'ok' as const,
          (err: { code?: number }) => err,
        );
        await sleep(60);
      }
      expect(dying.served).to.deep.equal(['/user.v1.UserService/CreateUser']);
      expect(outcome).to.not.equal('ok');
      expect((outcome as { code?: number }).code).to.equal(status.UNAVAILABLE);
      expect(a.served, 'the write that reached the dying instance went nowhere else').to.deep.equal([]);
    });
  });
});
