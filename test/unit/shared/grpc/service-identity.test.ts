import { expect } from 'chai';
import { AppError } from '../../../../shared/errors/app-error';
import { methodAuth } from '../../../../shared/grpc/method-auth';
import { checkServiceCaller, serviceIdentityOf, spiffeIdOf } from '../../../../shared/grpc/service-identity';

const peer = (subjectaltname: string | undefined) => ({ sslPeerCertificate: subjectaltname === undefined ? undefined : { subjectaltname } });

describe('service identity (shared/grpc/service-identity.ts)', () => {
  it('names a service by its SPIFFE ID in this trust domain', () => {
    expect(spiffeIdOf('user-service')).to.equal('spiffe://traced-grpc-microservices/user-service');
    expect(() => spiffeIdOf('User Service')).to.throw(/not a service name/);
    expect(() => spiffeIdOf('../gateway')).to.throw(/not a service name/);
  });

  it("reads the caller's service from its certificate's SAN URI, and nothing else", () => {
    expect(serviceIdentityOf(peer('URI:spiffe://traced-grpc-microservices/user-service, DNS:localhost, IP Address:127.0.0.1'))).to.equal('user-service');
    expect(serviceIdentityOf(peer('DNS:user-service, URI:spiffe://traced-grpc-microservices/gateway'))).to.equal('gateway');
    // No TLS, no client certificate, no SANs.
    expect(serviceIdentityOf(undefined)).to.equal(undefined);
    expect(serviceIdentityOf({})).to.equal(undefined);
    expect(serviceIdentityOf(peer(undefined))).to.equal(undefined);
    // A DNS name or a common name is not an identity; another trust domain is not ours.
    expect(serviceIdentityOf(peer('DNS:gateway'))).to.equal(undefined);
    expect(serviceIdentityOf(peer('URI:spiffe://elsewhere/gateway'))).to.equal(undefined);
    expect(serviceIdentityOf(peer('URI:spiffe://traced-grpc-microservices.evil/gateway'))).to.equal(undefined);
    expect(serviceIdentityOf(peer('URI:spiffe://traced-grpc-microservices/gateway/extra'))).to.equal(undefined);
    expect(serviceIdentityOf(peer('URI:https://x/?u=spiffe://traced-grpc-microservices/gateway'))).to.equal(undefined);
    // Two identities in one certificate: which one? Neither.
    expect(serviceIdentityOf(peer('URI:spiffe://traced-grpc-microservices/gateway, URI:spiffe://traced-grpc-microservices/user-service'))).to.equal(undefined);
  });

  it('refuses a caller without an identity (UNAUTHENTICATED) and one the RPC does not name (PERMISSION_DENIED)', () => {
    const refusal = (identity: string | undefined, callers: string[]) => {
      try {
        checkServiceCaller('/auth.v1.AuthService/Register', identity, { callers });
        return undefined;
      } catch (err) {
        expect(err).to.be.instanceOf(AppError);
        return `${(err as AppError).code}: ${(err as AppError).message}`;
      }
    };
    expect(refusal('user-service', ['user-service'])).to.equal(undefined);
    expect(refusal('gateway', ['user-service'])).to.equal('PERMISSION_DENIED: /auth.v1.AuthService/Register may be called by user-service only, not by gateway');
    expect(refusal(undefined, ['user-service'])).to.equal('UNAUTHENTICATED: /auth.v1.AuthService/Register needs a service identity: a client certificate of this system');
    // No callers named: any service of this system, but still a service.
    expect(refusal('notes-service', [])).to.equal(undefined);
    expect(refusal(undefined, [])).to.match(/^UNAUTHENTICATED/);
  });

  it("reads each RPC's callers from the contracts", () => {
    for (const rpc of ['Register', 'UpdateCredentials', 'DeleteCredentials']) {
      expect(methodAuth(`/auth.v1.AuthService/${rpc}`), rpc).to.deep.equal({ public: true, callers: ['user-service'] });
    }
    for (const rpc of ['Login', 'RefreshToken']) expect(methodAuth(`/auth.v1.AuthService/${rpc}`), rpc).to.deep.equal({ public: true, callers: ['gateway'] });
    for (const rpc of ['Logout', 'GetCurrentUser']) expect(methodAuth(`/auth.v1.AuthService/${rpc}`), rpc).to.deep.equal({ public: false, callers: ['gateway'] });
    expect(methodAuth('/auth.v1.AuthService/ValidateToken')).to.deep.equal({ public: false, callers: [] });
    for (const rpc of ['GetUser', 'UpdateUser', 'DeleteUser', 'ListUsers']) expect(methodAuth(`/user.v1.UserService/${rpc}`).callers, rpc).to.deep.equal(['gateway']);
    expect(methodAuth('/user.v1.UserService/CreateUser')).to.deep.equal({ public: true, callers: ['gateway'] });
    // Unknown: protected, any service (the server has no handler for it anyway).
    expect(methodAuth('/nope.v1.Nope/Get')).to.deep.equal({ public: false, callers: [] });
  });
});
