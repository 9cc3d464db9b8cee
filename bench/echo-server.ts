// The benchmark's ceiling: a bare grpc-js unary echo server with no tracing, no logging per call
// and no work, so ghz against it shows the most Node's gRPC stack serves on this machine.
// Run as `node dist/bench/echo-server.js`; ECHO_HOST (127.0.0.1) and ECHO_PORT (0 = a free port).
import path from 'node:path';
import { loadPackageDefinition, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { createLogger } from '../shared/logging/logger';
import { projectRoot } from '../shared/paths';
import { onShutdownSignal } from '../shared/process/shutdown';

/** Where the echo contract lives (its import root), and the file itself relative to it. */
export const ECHO_PROTO_ROOT = path.join(projectRoot, 'bench', 'proto');
export const ECHO_PROTO_FILE = 'echo/v1/echo.proto';
/** The method ghz calls. */
export const ECHO_METHOD = 'echo.v1.EchoService/Echo';

interface EchoMessage {
  message: string;
}

/** Starts the echo server; resolves with the bound port and a stop function. */
export async function startEchoServer(host: string, port: number): Promise<{ port: number; stop(): void }> {
  const definition = loadSync(path.join(ECHO_PROTO_ROOT, ECHO_PROTO_FILE), { includeDirs: [ECHO_PROTO_ROOT], keepCase: true });
  const loaded = loadPackageDefinition(definition) as unknown as {
    echo: { v1: { EchoService: { service: ServiceDefinition } } };
  };
  const server = new Server();
  server.addService(loaded.echo.v1.EchoService.service, {
    Echo: (call: ServerUnaryCall<EchoMessage, EchoMessage>, callback: sendUnaryData<EchoMessage>) => {
      callback(null, { message: call.request.message });
    },
  });
  // ghz finds the method through reflection when it is not given the .proto file.
  new ReflectionService(definition).addToServer(server);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port: bound, stop: () => server.forceShutdown() };
}

if (require.main === module) {
  const logger = createLogger('echo-server', 'info');
  const host = process.env.ECHO_HOST ?? '127.0.0.1';
  const port = Number(process.env.ECHO_PORT ?? '0');
  startEchoServer(host, port).then(
    (server) => {
      logger.info({ host, port: server.port }, 'ready');
      onShutdownSignal(logger, async () => server.stop());
    },
    (err: unknown) => {
      logger.fatal({ err }, 'cannot start');
      process.exit(1);
    },
  );
}
