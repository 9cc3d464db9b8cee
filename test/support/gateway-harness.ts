import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../../gateway/app';
import { gatewayConfigSchema, type GatewayConfig } from '../../gateway/config';
import { createGatewayClients, type GatewayClients } from '../../gateway/grpc-clients';
import { loadConfig } from '../../shared/config/load-config';
import { clientAddressResolver } from '../../gateway/client-address';
import { tlsEnvOf } from './pki';

/** A port nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A gateway app listening on a free port with real gRPC clients. */
export interface RunningGateway {
  url: string;
  config: GatewayConfig;
  clients: GatewayClients;
  /** Every log line the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Starts the gateway app on 127.0.0.1:0; `env` sets config keys (service addresses, deadline). */
export async function startGateway(env: Record<string, string>): Promise<RunningGateway> {
  const config = loadConfig(gatewayConfigSchema, { env: { GATEWAY_PORT: '0', LOG_LEVEL: 'info', ...(await tlsEnvOf('gateway')), ...env } });
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: config.LOG_LEVEL }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const clients = createGatewayClients(config);
  const app = createApp({ config, clients, logger, clientAddress: clientAddressResolver(config.TRUST_PROXY) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    clients,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clients.close();
    },
  };
}

/** A fetch response read as JSON (or undefined for an empty body), with status and headers. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** Sends a request and reads the body; `json` is sent as `application/json`. */
export async function request(
  url: string,
  init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
