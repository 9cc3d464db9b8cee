import {
  makeGenericClientConstructor,
  Metadata,
  status,
  type ChannelCredentials,
  type ClientOptions,
  type Client,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { expect } from 'chai';
import { AuthServiceClient, AuthServiceService, type AuthServiceServer } from '../../../../gen/auth/v1/auth';
import { connectionIdentityOf, markCaller, peerServiceOf } from '../../../../shared/grpc/connection-identity';
import { implement, type AsyncService } from '../../../../shared/grpc/handler';
import { startGrpcServer, type RunningGrpcServer } from '../../../../shared/grpc/server';
import { createLogger } from '../../../../shared/logging/logger';
import { fakeConnection } from '../../../support/fake-connection';
import { dialAs, tlsAs } from '../../../support/pki';
import { jsonUnaryService } from '../../../../bench/json-unary';

const san = (service: string) => `URI:spiffe://traced-grpc-microservices/${service}, DNS:localhost`;

describe('connection identity (shared/grpc/connection-identity.ts)', () => {
  it('keeps the service a connection proves until its socket closes', () => {
    const gateway = fakeConnection(san('gateway'));
    const user = fakeConnection(san('user-service'));
    expect(connectionIdentityOf(gateway.ends)).to.equal('gateway');
    expect(connectionIdentityOf(user.ends)).to.equal('user-service');
    // Another local port is another server's connection: not this one.
    expect(connectionIdentityOf({ ...gateway.ends, localPort: 50052 })).to.equal(undefined);
    gateway.socket.emit('close');
    expect(connectionIdentityOf(gateway.ends), 'closed: forgotten').to.equal(undefined);
    expect(connectionIdentityOf(user.ends)).to.equal('user-service');
    user.socket.emit('close');
  });

  it('a late close of an older connection on the same ends does not forget the newer one', () => {
    const ends = { remoteAddress: '10.0.0.7', remotePort: 41_000, localAddress: '10.0.0.9', localPort: 50052 };
    const older = fakeConnection(san('gateway'), ends);
    const newer = fakeConnection(san('user-service'), ends);
    older.socket.emit('close');
    expect(connectionIdentityOf(ends)).to.equal('user-service');
    newer.socket.emit('close');
    expect(connectionIdentityOf(ends)).to.equal(undefined);
  });

  it('fails closed: no certificate, no service, unknown or incomplete ends, unmarked metadata', () => {
    expect(connectionIdentityOf(fakeConnection(undefined).ends)).to.equal(undefined);
    expect(connectionIdentityOf(fakeConnection('DNS:gateway').ends)).to.equal(undefined);
    expect(connectionIdentityOf({ remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 })).to.equal(undefined);
    expect(connectionIdentityOf({})).to.equal(undefined);
    expect(peerServiceOf(new Metadata())).to.equal(undefined);
    const marked = new Metadata();
    markCaller(marked, fakeConnection(san('gateway')).ends);
    expect(peerServiceOf(marked)).to.equal('gateway');
    const unproven = new Metadata();
    markCaller(unproven, fakeConnection(undefined).ends);
    expect(peerServiceOf(unproven)).to.equal(undefined);
  });
});

// A raw service beside the real one: it answers what the server saw of each call's connection.
const whoDefinition = jsonUnaryService('/test.v1.Who/Who', 'Who');
type Seen = { service: string | undefined; peer: string };
type WhoClient = Client & { Who(req: object, md: Metadata, cb: (e: ServiceError | null, r?: Seen) => void): void };

describe('connection identity on a real mutual-TLS server: connections told apart', function () {
  this.timeout(20_000);
  let server: RunningGrpcServer;
  const Who = makeGenericClientConstructor(whoDefinition, 'Who') as unknown as new (a: string, c: ChannelCredentials, o?: Partial<ClientOptions>) => WhoClient;

  before(async () => {
    const logger = createLogger('test', 'silent');
    const answer = async () => ({});
    const handlers = Object.fromEntries(Object.keys(AuthServiceService).map((k) => [k, answer])) as unknown as AsyncService<AuthServiceServer>;
    server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      tls: await tlsAs('auth-service'),
      services: [
        { name: 'auth.v1.AuthService', definition: AuthServiceService, implementation: implement(AuthServiceService, handlers, { service: 'auth-service', logger, authenticate: async () => ({ id: 'u-1' }) }) },
        {
          name: 'test.v1.Who',
          definition: whoDefinition,
          implementation: { Who: (call: ServerUnaryCall<object, Seen>, cb: sendUnaryData<Seen>) => cb(null, { service: peerServiceOf(call.metadata), peer: call.getPeer() }) },
        },
      ],
      logger,
      shutdownTimeoutMs: 2000,
    });
  });
  after(() => server.shutdown());

  it('the gateway and the user service calling one auth server at once each get their own verdict', async () => {
    const address = `127.0.0.1:${server.port}`;
    const gateway = new AuthServiceClient(address, ...(await dialAs('gateway', 'auth-service')));
    const user = new AuthServiceClient(address, ...(await dialAs('user-service', 'auth-service')));
    const code = (call: (cb: (e: ServiceError | null) => void) => void) => new Promise<number>((resolve) => call((e) => resolve(e ? e.code : status.OK)));
    // Interleaved on two connections: Register names the user service alone, Login the gateway alone.
    const rounds = await Promise.all(
      Array.from({ length: 40 }, () =>
        Promise.all([
          code((cb) => gateway.register({} as never, cb)),
          code((cb) => user.register({} as never, cb)),
          code((cb) => gateway.login({} as never, cb)),
          code((cb) => user.login({} as never, cb)),
        ]),
      ),
    );
    for (const round of rounds) expect(round).to.deep.equal([status.PERMISSION_DENIED, status.OK, status.OK, status.PERMISSION_DENIED]);
    gateway.close();
    user.close();
  });

  it("a connection's identity is gone once it closes; the other connection keeps its own", async () => {
    const address = `127.0.0.1:${server.port}`;
    const gateway = new Who(address, ...(await dialAs('gateway', 'auth-service')));
    const user = new Who(address, ...(await dialAs('user-service', 'auth-service')));
    const who = (client: WhoClient) => new Promise<Seen>((resolve, reject) => client.Who({}, new Metadata(), (e, r) => (e ? reject(e) : resolve(r!))));
    const [seenGateway, seenUser] = await Promise.all([who(gateway), who(user)]);
    expect([seenGateway.service, seenUser.service]).to.deep.equal(['gateway', 'user-service']);
    const endsOf = (peer: string) => {
      const at = peer.lastIndexOf(':');
      return { remoteAddress: peer.slice(0, at), remotePort: Number(peer.slice(at + 1)), localAddress: '127.0.0.1', localPort: server.port };
    };
    expect(connectionIdentityOf(endsOf(seenGateway.peer))).to.equal('gateway');

    gateway.close();
    const until = Date.now() + 5000;
    while (connectionIdentityOf(endsOf(seenGateway.peer)) !== undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(connectionIdentityOf(endsOf(seenGateway.peer)), 'the closed connection is forgotten').to.equal(undefined);
    expect(connectionIdentityOf(endsOf(seenUser.peer))).to.equal('user-service');
    expect((await who(user)).service).to.equal('user-service');
    user.close();
  });
});
