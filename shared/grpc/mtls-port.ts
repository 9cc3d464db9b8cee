import type { AddressInfo } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import type { Logger } from '../logging/logger';
import { rememberConnectionIdentity } from './connection-identity';
import type { ServiceTls } from './tls';

/** A listening mutual-TLS port of a grpc-js server (see {@link listenMutualTls}). */
export interface MutualTlsPort {
  /** The port actually bound (useful with port 0). */
  port: number;
  /**
   * Stops accepting connections; resolves once every open one has closed. The grpc-js server's
   * `tryShutdown` closes them as their calls finish, but it cannot wait for them itself: it waits
   * for its own listening ports, and an injected connection belongs to none.
   */
  close(): Promise<void>;
  /** Closes every open connection at once (after `forceShutdown`, which ends their calls). */
  destroy(): void;
}

/**
 * Serves `server` on `host:port` over mutual TLS, terminated by a `tls.Server` of our own rather
 * than by grpc-js: each connection's service identity is read once, when its handshake completes
 * (shared/grpc/connection-identity.ts), and then grpc-js gets the decrypted connection through its
 * public connection injector and speaks HTTP/2 over it as it would on its own port. A call finds its
 * connection's identity by the connection's two ends (connectionIdentityInterceptor), at the cost
 * of a map lookup, where `call.getAuthContext()` parsed the peer's certificate on every call
 * (`--micro peer-identity`). Chosen over a per-socket memo reached through grpc-js's internals
 * (call -> stream -> session -> socket), which an upgrade could break without a sound.
 * The handshake is grpc-js's own: the same CA, certificate and key, the client certificate
 * required and verified, HTTP/2 by ALPN; the server's options (keepalive, connection age, message
 * sizes) apply to injected connections alike, and `tryShutdown` / `forceShutdown` drain or close them.
 */
export function listenMutualTls(server: Server, host: string, port: number, serviceTls: ServiceTls, logger: Logger): Promise<MutualTlsPort> {
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  let closing = false;
  const sockets = new Set<TLSSocket>();
  const listener = tls.createServer(serviceTls.listener(), (socket) => {
    // Errors after the handshake end in a close, which the HTTP/2 session handles.
    socket.on('error', () => undefined);
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    rememberConnectionIdentity(socket);
    injector.injectConnection(socket);
  });
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      listener.on('error', (err) => logger.error({ err }, 'mutual-TLS listener error'));
      resolve({
        port: (listener.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            listener.close(() => done());
          }),
        destroy: () => {
          for (const socket of sockets) socket.destroy();
        },
      });
    });
  });
}
