import fs from 'node:fs';
import type { PeerCertificate, TlsOptions } from 'node:tls';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { serviceIdentityOf, spiffeIdOf } from './service-identity';

/** A process's mutual-TLS settings (shared/config/grpc-tls.ts): paths of PEM files. */
export interface GrpcTlsSettings {
  /** The CA of this system: a peer's certificate must chain to it. */
  GRPC_TLS_CA: string;
  /** This process's certificate (SAN URI `spiffe://traced-grpc-microservices/<service>`). */
  GRPC_TLS_CERT: string;
  /** This process's private key. */
  GRPC_TLS_KEY: string;
}

/**
 * One process's mutual-TLS identity, read once: its servers demand and verify a client
 * certificate signed by the CA, and its clients present its own and accept only the service they
 * mean to reach. {@link channelTo} gives one object per expected service for every channel of the
 * process, so grpc-js's pool still shares connections between channels to the same target (it
 * compares credentials by identity).
 */
export class ServiceTls {
  private readonly channels = new Map<string, ChannelCredentials>();

  constructor(
    private readonly ca: Buffer,
    private readonly cert: Buffer,
    private readonly key: Buffer,
  ) {}

  /**
   * Credentials of an outgoing channel to `server` (`user-service`, ...): present our certificate,
   * and accept a server only when its certificate chains to the CA and its SPIFFE ID is exactly
   * `server`'s, whatever host was dialled. Any other certificate of the system fails the handshake,
   * so a process holding another service's key cannot answer in `server`'s place.
   */
  channelTo(server: string): ChannelCredentials {
    let creds = this.channels.get(server);
    if (!creds) {
      const want = spiffeIdOf(server);
      const checkServerIdentity = (_host: string, cert: PeerCertificate): Error | undefined => {
        const proven = serviceIdentityOf({ sslPeerCertificate: cert });
        return proven === server ? undefined : new Error(`the server is not ${want}: its certificate proves ${proven === undefined ? 'no service of this system' : spiffeIdOf(proven)}`);
      };
      creds = credentials.createSsl(this.ca, this.key, this.cert, { checkServerIdentity });
      this.channels.set(server, creds);
    }
    return creds;
  }

  /** Credentials of a listening port: present our certificate, require and verify the caller's. */
  server(): ServerCredentials {
    return ServerCredentials.createSsl(this.ca, [{ private_key: this.key, cert_chain: this.cert }], true);
  }

  /**
   * The same for a `tls.Server` of our own (shared/grpc/mtls-port.ts): present our certificate,
   * require and verify the caller's, speak HTTP/2 only, TLS 1.2 at least (as grpc-js's own ports).
   */
  listener(): TlsOptions {
    return { ca: this.ca, cert: this.cert, key: this.key, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'], minVersion: 'TLSv1.2' };
  }
}

/**
 * Reads the files GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY name. Throws naming the setting
 * and the path (never the content) when one cannot be read.
 */
export function readServiceTls(settings: GrpcTlsSettings): ServiceTls {
  const read = (key: keyof GrpcTlsSettings) => {
    try {
      return fs.readFileSync(settings[key]);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new Error(
        `${key}: cannot read ${settings[key]} (${code}). Every gRPC port speaks mutual TLS: npm start provisions development certificates in .data/pki; elsewhere set GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY`,
      );
    }
  };
  return new ServiceTls(read('GRPC_TLS_CA'), read('GRPC_TLS_CERT'), read('GRPC_TLS_KEY'));
}
