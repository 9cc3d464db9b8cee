import type { TLSSocket } from 'node:tls';
import { ServerInterceptingCall, type Metadata, type ServerInterceptor } from '@grpc/grpc-js';
import { serviceIdentityOf } from './service-identity';

/** The two ends of a call's TCP connection, as a server interceptor's `call.getConnectionInfo()` gives them. */
export interface ConnectionEnds {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

/** A mutual-TLS connection a server of this process accepted, and the service its certificate proves. */
interface OpenConnection {
  socket: TLSSocket;
  service: string | undefined;
}

/**
 * The open connections of this process's mutual-TLS ports, keyed by their two ends: at most one
 * open TCP connection of this host has a given (remote, local) pair, and the local end names the
 * listening port, so one map serves every server of the process.
 */
const open = new Map<string, OpenConnection>();

const keyOf = (ends: ConnectionEnds): string | undefined =>
  ends.remotePort === undefined || ends.localPort === undefined || !ends.remoteAddress || !ends.localAddress
    ? undefined
    : `${ends.remoteAddress}|${ends.remotePort}|${ends.localAddress}|${ends.localPort}`;

/**
 * Reads the service a just-established mutual-TLS connection proves, once for the whole
 * connection, and keeps it until the socket closes. Once is enough: the peer's certificate cannot
 * change during an HTTP/2 connection (RFC 7540 §9.2.1 forbids TLS renegotiation under HTTP/2, and
 * TLS 1.3 has none). Reading it per call (`call.getAuthContext()`) parsed the certificate on every
 * call. A socket that is not authorized, or already gone, proves nothing and is not kept.
 */
export function rememberConnectionIdentity(socket: TLSSocket): void {
  const key = keyOf(socket);
  if (key === undefined || socket.destroyed) return;
  const entry: OpenConnection = {
    socket,
    service: socket.authorized ? serviceIdentityOf({ sslPeerCertificate: socket.getPeerCertificate() }) : undefined,
  };
  open.set(key, entry);
  // A late close of an older connection on the same ends must not forget a newer one.
  socket.once('close', () => {
    if (open.get(key) === entry) open.delete(key);
  });
}

/**
 * The service the connection of a call proves (see {@link rememberConnectionIdentity}); undefined
 * for a connection this process did not accept on a mutual-TLS port, or one already closed, so a
 * miss fails closed (UNAUTHENTICATED in `implement()`).
 */
export function connectionIdentityOf(ends: ConnectionEnds): string | undefined {
  const key = keyOf(ends);
  return key === undefined ? undefined : open.get(key)?.service;
}

/** The service of each call in flight, by its request metadata: the one object a unary handler shares with the interceptors. */
const callers = new WeakMap<Metadata, string>();

/**
 * Marks the metadata of a call on `ends` with the service its connection proves (nothing for a
 * connection that proves none). Only {@link connectionIdentityInterceptor} and tests call it.
 */
export function markCaller(metadata: Metadata, ends: ConnectionEnds): void {
  const service = connectionIdentityOf(ends);
  if (service !== undefined) callers.set(metadata, service);
}

/**
 * Server interceptor: hands each call's connection identity to `implement()` (`peerServiceOf`).
 * A unary handler's call has no `getConnectionInfo()`; an interceptor's call has, and the metadata
 * it passes on is the handler's `call.metadata`.
 */
export const connectionIdentityInterceptor: ServerInterceptor = (_method, call) => {
  const ends = call.getConnectionInfo();
  return new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, pass) => {
          markCaller(metadata, ends);
          pass(metadata);
        },
      }),
  });
};

/**
 * The service that made the call whose request metadata this is, as its connection's certificate
 * proves it; undefined when none does or the call did not pass {@link connectionIdentityInterceptor}
 * (fails closed: UNAUTHENTICATED in `implement()`).
 */
export function peerServiceOf(metadata: Metadata): string | undefined {
  return callers.get(metadata);
}
