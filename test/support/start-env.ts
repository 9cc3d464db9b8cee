import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../scripts/stack/launch';
import { SERVICE_SPECS, specFor, urlEnvOf } from '../../scripts/stack/process-spec';

/** A free port whose neighbour 100 above is free too (for a second instance, `--replicas`). */
export async function freeStridedPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 100 > 65535) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 100, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * Environment that moves `npm start`'s processes (dist/scripts/start.js passes its environment
 * through) off the default ports and database files, so a test can run it beside a developer's.
 * Returns it with the gateway's port.
 */
export async function startJsEnv(dataDir: string): Promise<{ env: Record<string, string>; gatewayPort: number }> {
  const env: Record<string, string> = { NODE_ENV: 'test' };
  for (const spec of SERVICE_SPECS) {
    // Strided, so `--replicas 2` finds instance 1's ports (port + 100) free too.
    const port = await freeStridedPort();
    env[spec.portEnv] = String(port);
    env[urlEnvOf(spec.name)] = `127.0.0.1:${port}`;
    env[`${spec.servicePrefix!}_DB_PATH`] = path.join(dataDir, `${spec.name}.db`);
  }
  const gatewayPort = await freePort();
  env[specFor('gateway').portEnv] = String(gatewayPort);
  return { gatewayPort, env };
}
