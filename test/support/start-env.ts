import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../scripts/stack/launch';

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
 * Environment that moves `npm start`'s three processes (dist/scripts/start.js passes its
 * environment through) off the default ports and database files, so a test can run it beside a
 * developer's. Returns it with the gateway's port.
 */
export async function startJsEnv(dataDir: string): Promise<{ env: Record<string, string>; gatewayPort: number }> {
  // Strided, so `--replicas 2` finds instance 1's ports (port + 100) free too.
  const [authPort, userPort, gatewayPort] = [await freeStridedPort(), await freeStridedPort(), await freePort()];
  return {
    gatewayPort,
    env: {
      NODE_ENV: 'test',
      AUTH_SERVICE_PORT: String(authPort),
      USER_SERVICE_PORT: String(userPort),
      GATEWAY_PORT: String(gatewayPort),
      AUTH_SERVICE_URL: `127.0.0.1:${authPort}`,
      USER_SERVICE_URL: `127.0.0.1:${userPort}`,
      AUTH_DB_PATH: path.join(dataDir, 'auth.db'),
      USER_DB_PATH: path.join(dataDir, 'user.db'),
    },
  };
}
