import path from 'node:path';
import { rawConfig } from '../../shared/config/load-config';
import { projectRoot } from '../../shared/paths';
import type { ProcessSpec } from './process-spec';

/**
 * Where a process is configured to listen, as it reads it: the environment over its config.yaml
 * over the spec's default port (`npm start` places every process with it; `npm run new:service`
 * prints where the gateway is). Throws naming the key for a port that is not one.
 */
export function configuredAddress(spec: Pick<ProcessSpec, 'folder' | 'hostEnv' | 'portEnv' | 'defaultPort'>, env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const raw = rawConfig({ env, file: path.join(projectRoot, spec.folder, 'config.yaml') });
  const port = raw[spec.portEnv] ?? String(spec.defaultPort);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new Error(`${spec.portEnv}: must be a port number, got "${port}"`);
  return { host: raw[spec.hostEnv] ?? '127.0.0.1', port: Number(port) };
}

/** The http URL that reaches a server bound to `host`:`port` from this machine: a wildcard bind (0.0.0.0, ::) is reached on loopback. */
export function localHttpUrl(host: string, port: number | string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
