import { Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { contractRegistry } from '../../shared/contracts';
import { bearerMetadata } from '../../shared/grpc/metadata';
import { isPublicMethod } from '../../shared/grpc/method-auth';
import { AccessTokens } from '../../services/auth/access-token';
import { DEV_JWT_SECRET } from '../../services/auth/config';
import { registerAccount, tamperPayload, type Account } from '../support/accounts';
import { post } from '../support/http';
import { rightfulClients } from '../support/rightful-clients';
import { useStack } from '../support/stack';

// Authenticated by default: every RPC of every service in the contracts (gen/descriptors.binpb)
// is called on the real processes, over real sockets, with no token, a tampered one and a forged
// one. Each must answer UNAUTHENTICATED unless its contract marks it public
// (`option (common.v1.auth) = {public: true}`). A new RPC is in this loop as soon as it is in a
// .proto, and a service bound without implement() (or with a handler that skips its caller) fails here.

interface Answer {
  code: status;
  details: string;
}

/** Calls `path` with an empty request message and `metadata`; resolves with the status. */
function callRaw(client: Client, path: string, metadata: Metadata): Promise<Answer> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (request: Buffer) => request,
      (response: Buffer) => response,
      Buffer.alloc(0),
      metadata,
      { deadline: Date.now() + 10_000 },
      (err: ServiceError | null) => resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '' }),
    );
  });
}

/** Every method of every service the contracts declare, as `/package.Service/Method`. */
function contractMethods(): Array<{ service: string; path: string }> {
  const methods: Array<{ service: string; path: string }> = [];
  for (const file of contractRegistry().files) {
    for (const service of file.services) {
      for (const method of service.methods) methods.push({ service: service.typeName, path: `/${service.typeName}/${method.name}` });
    }
  }
  return methods;
}

describe('every RPC needs a valid access token unless its contract marks it public (real processes)', function () {
  this.timeout(60_000);
  const stack = useStack();
  let clients: Awaited<ReturnType<typeof rightfulClients>> | undefined;
  let account: Account;
  let forged: string;

  before(async () => {
    account = await registerAccount(stack().gatewayUrl, { name: 'Probe' });
    // Each RPC as the service its contract lets call it: what is tested here is the token.
    clients = await rightfulClients(stack(), contractMethods().map((m) => m.path));
    // Well formed, right issuer, audience, type and claims, for a real user: only the key is wrong.
    const defaults = { issuer: 'traced-grpc-microservices', audience: 'traced-grpc-microservices', ttlSeconds: 900 };
    forged = (await new AccessTokens({ secret: DEV_JWT_SECRET, ...defaults }).issue({ userId: account.id, email: account.email })).token;
  });

  after(() => {
    clients?.close();
  });

  const methods = contractMethods();

  it('finds the contracts and both public and protected RPCs in them', () => {
    expect(methods.length).to.be.at.least(13);
    expect(methods.filter((m) => isPublicMethod(m.path))).to.not.be.empty;
    expect(methods.filter((m) => !isPublicMethod(m.path))).to.not.be.empty;
  });

  for (const { service, path } of methods) {
    const isPublic = isPublicMethod(path);
    it(`${path}: ${isPublic ? 'public, reaches its handler without a token' : 'UNAUTHENTICATED without a valid token'}`, async () => {
      const client: Client | undefined = clients?.of(path);
      expect(client, `no server in the stack serves ${service}: add it to this test`).to.not.equal(undefined);
      const tokens: Record<string, string | undefined> = {
        'no token': undefined,
        'a tampered token': tamperPayload(account.accessToken),
        'a forged token': forged,
      };
      for (const [what, token] of Object.entries(tokens)) {
        const answer = await callRaw(client!, path, bearerMetadata(token));
        if (isPublic) {
          // An empty request is invalid for every public RPC: the handler ran and refused it.
          expect(status[answer.code], `${what}: ${answer.details}`).to.not.equal('UNAUTHENTICATED');
        } else {
          expect(status[answer.code], `${what}: ${answer.details}`).to.equal('UNAUTHENTICATED');
        }
      }
      if (!isPublic) {
        // The same call with a valid token (a fresh one, since Logout revokes it) gets past
        // authentication: the check is the token's validity, not a blanket refusal.
        const login = await post(`${stack().gatewayUrl}/api/v1/auth/login`, { email: account.email, password: account.password });
        expect(login.status).to.equal(200);
        const answer = await callRaw(client!, path, bearerMetadata(login.body.accessToken));
        expect(status[answer.code], answer.details).to.not.equal('UNAUTHENTICATED');
      }
    });
  }
});
