import { rememberAuthorization, rememberSecretsIn } from './secrets';
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import { DEFAULT_TRPC_MAX_BATCH } from '../../gateway/config';
import type { AppRouter } from '../../gateway/trpc/app-router';

/** Options of {@link createTestTrpcClient}. */
export interface TestTrpcClientOptions {
  /** The access token to send, read before every request (undefined sends no Authorization). */
  getToken?: () => string | undefined;
  /** Sees every HTTP response (e.g. to check headers such as traceresponse). */
  onResponse?: (response: Response) => void;
}

/** The typed gateway client the tests use. */
export type TestTrpcClient = TRPCClient<AppRouter>;

/** A typed tRPC client for `${gatewayUrl}/trpc` that batches calls made in the same tick. */
export function createTestTrpcClient(gatewayUrl: string, options: TestTrpcClientOptions = {}): TestTrpcClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${gatewayUrl}/trpc`,
        // The gateway refuses longer batches; the link splits bigger ones into several requests.
        maxItems: DEFAULT_TRPC_MAX_BATCH,
        headers: () => {
          const token = options.getToken?.();
          return token ? { authorization: `Bearer ${token}` } : {};
        },
        fetch: async (input, init) => {
          // Remember what goes over the wire for the telemetry audit (test/support/secrets-audit.ts).
          const headers = new Headers((init as RequestInit | undefined)?.headers);
          rememberAuthorization(headers.get('authorization'));
          const body = (init as RequestInit | undefined)?.body;
          if (typeof body === 'string') rememberSecretsIn(safeParse(body));
          const response = await fetch(input as string, init as RequestInit);
          options.onResponse?.(response);
          rememberSecretsIn(safeParse(await response.clone().text()));
          return response;
        },
      }),
    ],
  });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
