import crypto from 'node:crypto';
import { post } from './http';

/** A password that passes validation (8..128 characters). */
export const GOOD_PASSWORD = 'correct horse battery';

/** A registered account with its credentials and first token pair. */
export interface Account {
  id: string;
  email: string;
  password: string;
  name: string;
  role: string;
  accessToken: string;
  refreshToken: string;
}

/** An email no other test uses (`<tag>-<random>@example.test`). */
export function uniqueEmail(tag: string): string {
  return `${tag}-${crypto.randomBytes(4).toString('hex')}@example.test`;
}

/** Registers through `POST /api/v1/auth/register`, failing loudly unless it answers 201. */
export async function registerAccount(gatewayUrl: string, fields: { email?: string; name?: string; password?: string } = {}): Promise<Account> {
  const email = fields.email ?? uniqueEmail('user');
  const password = fields.password ?? GOOD_PASSWORD;
  const name = fields.name ?? 'Test User';
  const res = await post(`${gatewayUrl}/api/v1/auth/register`, { email, password, name });
  if (res.status !== 201) throw new Error(`register ${email}: expected 201, got ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.user.id,
    email: res.body.user.email,
    password,
    name: res.body.user.name,
    role: res.body.user.role,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
  };
}

// One middle character of a base64url part changed: every one of its 6 bits is data (the last
// character's low bits are padding a decoder may ignore), so the bytes really change.
function flipMiddle(part: string): string {
  const i = Math.floor(part.length / 2);
  return `${part.slice(0, i)}${part[i] === 'A' ? 'B' : 'A'}${part.slice(i + 1)}`;
}

function jwtParts(token: string): [string, string, string] {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || signature === undefined) throw new Error('not a JWT');
  return [header, payload, signature];
}

/** The token with one character of its JWT payload changed (signature left as is). */
export function tamperPayload(token: string): string {
  const [header, payload, signature] = jwtParts(token);
  return `${header}.${flipMiddle(payload)}.${signature}`;
}

/** The token with one character of its signature changed (header and payload left as they are). */
export function tamperSignature(token: string): string {
  const [header, payload, signature] = jwtParts(token);
  return `${header}.${payload}.${flipMiddle(signature)}`;
}
