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

/** The token with one character of its JWT payload changed (signature left as is). */
export function tamperPayload(token: string): string {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || signature === undefined) throw new Error('not a JWT');
  // A middle character: every one of its 6 bits is payload data, so the bytes really change.
  const i = Math.floor(payload.length / 2);
  const flipped = payload[i] === 'A' ? 'B' : 'A';
  return `${header}.${payload.slice(0, i)}${flipped}${payload.slice(i + 1)}.${signature}`;
}
