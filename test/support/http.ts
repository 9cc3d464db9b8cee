import { rememberAuthorization, rememberSecretsIn } from './secrets';
/** A response with its body parsed as JSON (undefined when empty, the raw text when not JSON). */
export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  /** Milliseconds from sending to the body being read. */
  elapsedMs: number;
}

/** Options of {@link request}. */
export interface RequestOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is with content-type application/json (for malformed-JSON tests). */
  rawJson?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** Aborts the request after this long (default 30 s). */
  timeoutMs?: number;
}

/** Sends one HTTP request and reads the whole body. */
export async function request<T = any>(method: string, url: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.rawJson !== undefined || options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawJson ?? JSON.stringify(options.json);
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  // Every secret sent or received is remembered for the telemetry audit (test/support/secrets-audit.ts).
  rememberAuthorization(headers.authorization);
  rememberSecretsIn(options.json);
  const started = Date.now();
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  rememberSecretsIn(parsed);
  return { status: res.status, headers: res.headers, body: parsed as T, elapsedMs: Date.now() - started };
}

/** GET `url`. */
export const get = <T = any>(url: string, options?: RequestOptions) => request<T>('GET', url, options);
/** POST `json` to `url`. */
export const post = <T = any>(url: string, json?: unknown, options?: RequestOptions) => request<T>('POST', url, { ...options, json });
/** PATCH `json` to `url`. */
export const patch = <T = any>(url: string, json?: unknown, options?: RequestOptions) => request<T>('PATCH', url, { ...options, json });
/** DELETE `url`. */
export const del = <T = any>(url: string, options?: RequestOptions) => request<T>('DELETE', url, options);
