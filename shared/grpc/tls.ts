import fs from 'node:fs';
import type { TlsOptions } from 'node:tls';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';

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
 * certificate signed by the CA, and its clients present its own. {@link channel} is one object
 * for every channel of the process, so grpc-js's pool still shares connections between channels
 * to the same target (it compares credentials by identity).
 */
export class ServiceTls {
  /** Credentials of every outgoing channel: verify the server against the CA, present our certificate. */
  readonly channel: ChannelCredentials;

  constructor(
    private readonly ca: Buffer,
    private readonly cert: Buffer,
    private readonly key: Buffer,
  ) {
    this.channel = credentials.createSsl(ca, key, cert);
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
