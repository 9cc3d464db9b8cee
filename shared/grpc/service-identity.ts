import { AppError } from '../errors/app-error';
import type { MethodAuth } from './method-auth';

/**
 * The SPIFFE trust domain of this system: a service proves its identity with a certificate,
 * signed by the system's CA, whose SAN URI is `spiffe://traced-grpc-microservices/<service>`.
 */
export const TRUST_DOMAIN = 'traced-grpc-microservices';

/** What a server call tells of its peer (grpc-js's `call.getAuthContext()`), as far as identity needs. */
export interface PeerAuth {
  sslPeerCertificate?: { subjectaltname?: string | undefined } | undefined;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;

/** The SPIFFE ID of `service` (`gateway`, `user-service`, ...): the SAN URI its certificate carries. */
export function spiffeIdOf(service: string): string {
  if (!SERVICE_NAME.test(service)) throw new Error(`not a service name: ${JSON.stringify(service)}`);
  return `spiffe://${TRUST_DOMAIN}/${service}`;
}

/**
 * The service identity of the gRPC service process `name` (`user` -> `user-service`): what its
 * certificate names and what its clients expect to answer. The gateway, no gRPC service, is `gateway`.
 */
export function serviceIdentity(name: string): string {
  return `${name}-service`;
}

const SPIFFE_SAN = new RegExp(`(?:^|, )URI:spiffe://${TRUST_DOMAIN.replace(/-/g, '\\-')}/([a-z][a-z0-9-]*)(?=, |$)`, 'g');

/**
 * The service a peer certificate proves, from its SAN URIs (Node's `subjectaltname` text:
 * `URI:spiffe://traced-grpc-microservices/user-service, DNS:localhost`); undefined when the
 * call came without one (no TLS, no client certificate, or a certificate naming no service of
 * this trust domain, or more than one). The TLS handshake has already checked that the
 * certificate is signed by the system's CA: the server requires and verifies client certificates.
 */
export function serviceIdentityOf(auth: PeerAuth | undefined): string | undefined {
  const sans = auth?.sslPeerCertificate?.subjectaltname;
  if (typeof sans !== 'string') return undefined;
  const names = new Set([...sans.matchAll(SPIFFE_SAN)].map((m) => m[1]!));
  return names.size === 1 ? [...names][0] : undefined;
}

/**
 * Refuses a call to `rpc` (`/auth.v1.AuthService/Register`) by a peer the contract does not
 * allow: UNAUTHENTICATED without a service identity, PERMISSION_DENIED for a service the RPC's
 * `callers` do not name. The message names the RPC and the services; no certificate content.
 */
export function checkServiceCaller(rpc: string, identity: string | undefined, auth: Pick<MethodAuth, 'callers'>): void {
  if (identity === undefined) {
    throw new AppError('UNAUTHENTICATED', `${rpc} needs a service identity: a client certificate of this system`);
  }
  if (auth.callers.length > 0 && !auth.callers.includes(identity)) {
    throw new AppError('PERMISSION_DENIED', `${rpc} may be called by ${auth.callers.join(', ')} only, not by ${identity}`);
  }
}
