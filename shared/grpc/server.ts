import path from 'node:path';
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from '../logging/logger';
import { protoDir } from '../paths';

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
  services: ServiceBinding[];
  /** .proto files (relative to proto/) served through server reflection for grpcurl and ghz. */
  protoFiles: string[];
  logger: Logger;
  /** How long {@link RunningGrpcServer.shutdown} lets in-flight calls finish before forcing. */
  shutdownTimeoutMs: number;
}

/** A started server. */
export interface RunningGrpcServer {
  server: Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Health NOT_SERVING, then drain in-flight calls, forcing after the timeout. */
  shutdown(): Promise<void>;
}

/**
 * Starts a grpc-js server with the given services plus `grpc.health.v1` health checking and server
 * reflection. Every service starts the same way, so this is the only place that binds a port.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server();
  for (const svc of options.services) server.addService(svc.definition, svc.implementation);

  const statuses = Object.fromEntries(['', ...options.services.map((s) => s.name)].map((n) => [n, 'SERVING' as const]));
  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  const packageDefinition = loadSync(
    options.protoFiles.map((f) => path.join(protoDir, f)),
    { includeDirs: [protoDir], keepCase: true },
  );
  new ReflectionService(packageDefinition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  options.logger.info({ address: `${options.host}:${port}`, services: options.services.map((s) => s.name) }, 'gRPC server listening');

  let stopped: Promise<void> | undefined;
  const shutdown = () =>
    (stopped ??= new Promise<void>((resolve) => {
      for (const name of Object.keys(statuses)) health.setStatus(name, 'NOT_SERVING');
      const timer = setTimeout(() => {
        options.logger.warn({ timeoutMs: options.shutdownTimeoutMs }, 'drain timed out: forcing shutdown');
        server.forceShutdown();
        resolve();
      }, options.shutdownTimeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }));

  return { server, port, shutdown };
}
