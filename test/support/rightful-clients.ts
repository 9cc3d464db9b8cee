import { Client } from '@grpc/grpc-js';
import { identityOf } from '../../scripts/stack/process-spec';
import { methodAuth } from '../../shared/grpc/method-auth';
import { dialAs } from './pki';
import { addressOfService, processServing, type Stack } from './stack';

/**
 * The service identity a test calls `path` (`/auth.v1.AuthService/Register`) as: the first
 * service its contract lets call it, or the gateway when any service of this system may.
 */
export function rightfulCaller(path: string): string {
  return methodAuth(path).callers[0] ?? 'gateway';
}

/**
 * A generic client per RPC path, each dialling the stack process that serves it over mutual TLS
 * as its {@link rightfulCaller} (one channel per service and identity): what a test that calls
 * services directly uses to get past the service check and reach what it tests.
 */
export async function rightfulClients(stack: Stack, paths: readonly string[]): Promise<{ of(path: string): Client; close(): void }> {
  const channels = new Map<string, Client>();
  const byPath = new Map<string, Client>();
  for (const path of paths) {
    const service = path.split('/')[1]!;
    const identity = rightfulCaller(path);
    const key = `${service} as ${identity}`;
    if (!channels.has(key)) channels.set(key, new Client(addressOfService(stack, service), ...(await dialAs(identity, identityOf(processServing(service))))));
    byPath.set(path, channels.get(key)!);
  }
  return {
    of(path) {
      const client = byPath.get(path);
      if (!client) throw new Error(`no client for ${path}`);
      return client;
    },
    close() {
      for (const client of channels.values()) client.close();
    },
  };
}
