import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import type { Metadata } from '@grpc/grpc-js';
import { markCaller, rememberConnectionIdentity, type ConnectionEnds } from '../../shared/grpc/connection-identity';

let nextPort = 40_000;

/** A mutual-TLS connection as a server's TLS socket shows it, without a network: close it with `emit('close')`. */
export interface FakeConnection {
  ends: ConnectionEnds;
  socket: EventEmitter;
}

/**
 * Registers an accepted connection whose client certificate carries `subjectaltname` (none when
 * undefined) on fresh ends, as shared/grpc/mtls-port.ts does after a handshake, and returns it.
 */
export function fakeConnection(subjectaltname: string | undefined, ends?: ConnectionEnds): FakeConnection {
  const at = ends ?? { remoteAddress: '127.0.0.1', remotePort: nextPort++, localAddress: '127.0.0.1', localPort: 50051 };
  const socket = Object.assign(new EventEmitter(), at, {
    destroyed: false,
    authorized: true,
    getPeerCertificate: () => (subjectaltname === undefined ? {} : { subjectaltname, raw: Buffer.from('cert') }),
  });
  rememberConnectionIdentity(socket as unknown as TLSSocket);
  return { ends: at, socket };
}

/** Marks `metadata` as a call's on a fresh connection with that certificate, as the server's interceptor would. */
export function callOnConnection(metadata: Metadata, subjectaltname: string | undefined): Metadata {
  markCaller(metadata, fakeConnection(subjectaltname).ends);
  return metadata;
}
