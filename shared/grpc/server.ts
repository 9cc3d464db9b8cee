import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from '../logging/logger';
import { contractFileDescriptors, contractRegistry } from '../contracts';
import { connectionIdentityInterceptor } from './connection-identity';
import { GRPC_SERVICES, grpcFileDescriptors } from './grpc-descriptors';
import { watchReadiness } from './readiness-watch';
import { listenMutualTls, type MutualTlsPort } from './mtls-port';
import { guardRequestDecoding } from './request-decoding';
import { noRetryOfAnsweredUnavailable } from './retry-pushback';
import type { ServiceTls } from './tls';

/** One service a server exposes. */
export interface ServiceBinding {
  /** Fully qualified name, e.g. `user.v1.UserService` (the health check's service name). */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions {
  host: string;
  port: number;
  /** The process's identity: the port speaks mutual TLS only, and demands a client certificate of this system. */
  tls: ServiceTls;
  /**
   * A second, plaintext port serving grpc.health.v1 only, for probes that cannot present a
   * client certificate (Kubernetes' gRPC probes); none when undefined. It tells what `/ready`
   * would and nothing else: no RPC of a service is reachable through it.
   */
  healthPort?: number | undefined;
  services: ServiceBinding[];
  logger: Logger;
  /** How long {@link RunningGrpcServer.shutdown} lets in-flight calls finish before forcing. */
  shutdownTimeoutMs: number;
  /**
   * Releases what the handlers use (database, client channels): after the drain, since in-flight
   * calls still use it, or at once if the port cannot be bound.
   */
  release?: () => void | Promise<void>;
  /**
   * Checks what the handlers depend on (the database): while it fails, health reports
   * NOT_SERVING (so `/ready` is 503 and health-checking callers go elsewhere); when it passes
   * again, SERVING.
   */
  readinessCheck?: () => Promise<void>;
}

/** A started server. */
export interface RunningGrpcServer {
  server: Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Health NOT_SERVING, then drain in-flight calls (forcing after the timeout), then `release`. Once. */
  shutdown(): Promise<void>;
}

/**
 * Starts a grpc-js server with the given services plus `grpc.health.v1` health checking and server
 * reflection. Every service starts the same way, so this is the only place that binds a port.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  // Every call learns which service its connection proves (connection-identity.ts). Callers retry
  // idempotent reads on UNAVAILABLE; one this server answers is not worth retrying.
  const server = new Server({ interceptors: [connectionIdentityInterceptor, noRetryOfAnsweredUnavailable] });
  // Every request is checked against its contract before it is decoded (request-decoding.ts).
  for (const svc of options.services) {
    const guarded = guardRequestDecoding(svc.name, svc.definition, svc.implementation, contractRegistry(), options.logger);
    server.addService(guarded.definition, guarded.implementation);
  }

  const statuses = Object.fromEntries(['', ...options.services.map((s) => s.name)].map((n) => [n, 'SERVING' as const]));
  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  // Reflection (for grpcurl and ghz) describes every service this port serves: the ones bound
  // here, from buf's own descriptors of the contracts (proto-loader's regenerated ones drop the
  // imports, so a client could not resolve auth.v1.TokenPair inside user.v1 from them), and
  // health and reflection, from the .proto files their packages ship.
  new ReflectionService(reflectedDescriptors(), { services: [...options.services.map((s) => s.name), ...GRPC_SERVICES] }).addToServer(server);

  const healthServer = options.healthPort === undefined ? undefined : new Server();
  if (healthServer) health.addToServer(healthServer);

  let mtls: MutualTlsPort | undefined;
  try {
    // Our own TLS termination, so each connection's identity is read once, not per call (mtls-port.ts).
    mtls = await listenMutualTls(server, options.host, options.port, options.tls, options.logger);
    if (healthServer) await bind(healthServer, `${options.host}:${options.healthPort!}`, ServerCredentials.createInsecure());
  } catch (err) {
    void mtls?.close();
    server.forceShutdown();
    await options.release?.();
    throw err;
  }
  const { port } = mtls;
  options.logger.info({ address: `${options.host}:${port}`, services: options.services.map((s) => s.name) }, 'gRPC server listening');

  let draining = false;
  const setAll = (status: 'SERVING' | 'NOT_SERVING') => {
    for (const name of Object.keys(statuses)) health.setStatus(name, status);
  };
  const stopWatching = options.readinessCheck
    ? watchReadiness(options.readinessCheck, (ready) => draining || setAll(ready ? 'SERVING' : 'NOT_SERVING'), options.logger)
    : undefined;

  const drain = () =>
    new Promise<void>((resolve) => {
      draining = true;
      stopWatching?.();
      setAll('NOT_SERVING');
      const timer = setTimeout(() => {
        options.logger.warn({ timeoutMs: options.shutdownTimeoutMs }, 'drain timed out: forcing shutdown');
        server.forceShutdown();
        mtls.destroy();
        resolve();
      }, options.shutdownTimeoutMs);
      // Drained when grpc-js has closed every session and every connection is gone (mtls-port.ts).
      void Promise.all([new Promise<void>((done) => server.tryShutdown(() => done())), mtls.close()]).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  let stopped: Promise<void> | undefined;
  const shutdown = () =>
    (stopped ??= (async () => {
      await drain();
      // Probes saw NOT_SERVING through the drain; now the plaintext health port goes too.
      healthServer?.forceShutdown();
      await options.release?.();
    })());

  return { server, port, shutdown };
}

/** Binds `address` with `creds`; resolves with the port bound. */
function bind(server: Server, address: string, creds: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, creds, (err, bound) => (err ? reject(err) : resolve(bound))));
}

/**
 * The descriptors as @grpc/reflection reads them: a package definition whose only use is its
 * `fileDescriptorProtos`, our contracts' and gRPC's own, taken as they are.
 */
function reflectedDescriptors(): PackageDefinition {
  const fileDescriptorProtos = [...contractFileDescriptors(), ...grpcFileDescriptors()];
  return { descriptors: { format: 'FileDescriptorSet', fileDescriptorProtos } } as unknown as PackageDefinition;
}
