import { Server, status, type sendUnaryData, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { HealthImplementation } from 'grpc-health-check';
import { AuthServiceClient, AuthServiceService } from '../../../../gen/auth/v1/auth';
import { createClient, deadlineFor, unary } from '../../../../shared/grpc/client';
import { readServiceTls, type ServiceTls } from '../../../../shared/grpc/tls';
import { strangerPki, testPki, tlsAs } from '../../../support/pki';

// Real sockets: a client made by createClient expecting the auth service, against servers on
// 127.0.0.1 that present certificates of the same CA (the auth service's, the user service's)
// and of another CA. Every development certificate names 127.0.0.1, so only the SPIFFE ID tells
// them apart.

/** An auth.v1.AuthService server presenting `tls`'s certificate; counts the calls it served. */
class AuthServer {
  served = 0;
  port = 0;
  private readonly server = new Server();

  async start(tls: ServiceTls): Promise<this> {
    this.server.addService(AuthServiceService, {
      validateToken: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        this.served++;
        cb(null, { userId: 'u-1', email: 'u@x.io', expiresAt: 0 });
      },
    });
    new HealthImplementation({ '': 'SERVING', 'auth.v1.AuthService': 'SERVING' }).addToServer(this.server);
    this.port = await new Promise<number>((resolve, reject) => this.server.bindAsync('127.0.0.1:0', tls.server(), (err, p) => (err ? reject(err) : resolve(p))));
    return this;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

describe("createClient: the server must prove the service the client expects (shared/grpc/client.ts, tls.ts)", function () {
  this.timeout(20_000);
  const servers: AuthServer[] = [];
  const clients: AuthServiceClient[] = [];
  after(() => {
    for (const c of clients) c.close();
    for (const s of servers) s.stop();
  });

  /** Starts a server as `tls`, and calls ValidateToken on it as the user service expecting `auth-service`. */
  async function callAs(tls: ServiceTls): Promise<{ server: AuthServer; outcome: Promise<string> }> {
    const server = await new AuthServer().start(tls);
    servers.push(server);
    const client = createClient(AuthServiceClient, `127.0.0.1:${server.port}`, await tlsAs('user-service'), { server: 'auth-service' });
    clients.push(client);
    const outcome = unary(client, client.validateToken, {}, { deadline: deadlineFor(5_000) }).then(
      (res) => `answered ${res.userId}`,
      (err: ServiceError) => `${status[err.code]}: ${err.details}`,
    );
    return { server, outcome };
  }

  it('reaches the auth service when it presents the auth service certificate', async () => {
    const { server, outcome } = await callAs(await tlsAs('auth-service'));
    expect(await outcome).to.equal('answered u-1');
    expect(server.served).to.equal(1);
  });

  it('refuses a server presenting the user service certificate of the same CA: the call fails, its handler never runs', async () => {
    const { server, outcome } = await callAs(await tlsAs('user-service'));
    expect(await outcome).to.match(
      /^UNAVAILABLE: .*the server is not spiffe:\/\/traced-grpc-microservices\/auth-service: its certificate proves spiffe:\/\/traced-grpc-microservices\/user-service/,
    );
    expect(server.served).to.equal(0);
  });

  it("refuses a certificate naming the auth service from another CA", async () => {
    const files = (await strangerPki(['auth-service'])).filesOf('auth-service');
    const { server, outcome } = await callAs(readServiceTls({ GRPC_TLS_CA: files.ca, GRPC_TLS_CERT: files.cert, GRPC_TLS_KEY: files.key }));
    expect(await outcome).to.match(/^UNAVAILABLE: /);
    expect(server.served).to.equal(0);
  });

  it('gives one credentials object per expected service, so channels to one service share connections', async () => {
    const tls = await tlsAs('gateway');
    expect(tls.channelTo('auth-service')).to.equal(tls.channelTo('auth-service'));
    expect(tls.channelTo('auth-service')).to.not.equal(tls.channelTo('user-service'));
    expect(() => tls.channelTo('Auth Service')).to.throw(/not a service name/);
  });

  it('sends the expected identity as the TLS server name: a process dialling 127.0.0.1 prints no warning (DEP0123)', async () => {
    await testPki(); // the child reads the run's PKI (TEST_PKI_DIR)
    const fixture = path.resolve(__dirname, '../../../fixtures/grpc/dial-loopback.js');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [fixture], { timeout: 15_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout))),
    );
    expect(out.trim().split('\n')).to.deep.equal(['answered u-1']);
  });
});
