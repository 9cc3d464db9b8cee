// Every password and token the suite sends or receives, so the audit can look for them in what
// the services exported and logged.
const seen = new Set<string>();

const SECRET_KEYS = new Set(['password', 'accessToken', 'refreshToken', 'token']);

/** Remembers one secret value (ignores short values that would match by accident). */
export function rememberSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 8) seen.add(value);
}

/** Remembers every string under a secret-looking key anywhere in `value` (request or response body). */
export function rememberSecretsIn(value: unknown, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEYS.has(key)) rememberSecret(child);
    else rememberSecretsIn(child, depth + 1);
  }
}

/** Remembers the token of an `Authorization: Bearer ...` header value. */
export function rememberAuthorization(header: string | undefined | null): void {
  const token = header ? /^Bearer\s+(\S+)/i.exec(header)?.[1] : undefined;
  rememberSecret(token);
}

/** Everything remembered so far. */
export function knownSecrets(): string[] {
  return [...seen];
}
