import path from 'node:path';
import { freePort } from '../../scripts/stack/launch';

/**
 * Environment that moves `npm start`'s three processes (dist/scripts/start.js passes its
 * environment through) off the default ports and database files, so a test can run it beside a
 * developer's. Returns it with the gateway's port.
 */
export async function startJsEnv(dataDir: string): Promise<{ env: Record<string, string>; gatewayPort: number }> {
  const [authPort, userPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
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
