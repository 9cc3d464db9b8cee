import crypto, { type KeyObject } from 'node:crypto';

/** What {@link verifyHs256Jwt} requires of a token besides its signature. */
export interface Hs256JwtExpectations {
  issuer: string;
  audience: string;
  /** The `typ` header, compared as jose compares it (case-insensitive, `application/` implied). */
  typ: string;
  /** Claims that must be present (own properties of the claims set). */
  requiredClaims: readonly string[];
  /** The time `exp` and `nbf` are checked against, in ms. */
  nowMs: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Verifies a compact HS256 JWT synchronously with node:crypto and returns its claims, or
 * undefined for any token that is not valid. It replaces jose's `jwtVerify` on the hot path
 * (every authenticated request ends in one): jose verifies through WebCrypto, whose every HMAC
 * is a job on libuv's thread pool and a promise, an order of magnitude more CPU a token than one
 * synchronous HMAC (bench/README.md gives the figures; `npm run bench -- --micro jwt` measures them).
 * jose still signs the tokens, and the unit test runs both verifiers over the same tokens, valid
 * and hostile: every token jose rejects, this rejects.
 *
 * The rules are jose's for these options (JWS compact form, `alg` exactly HS256, JSON-object
 * header and claims, `typ`, required claims, `iss`, `aud` as a string or an array, `iat`/`nbf`/
 * `exp` numeric when present, `nbf <= now < exp` in whole seconds, no clock tolerance), and
 * stricter in what a token this service issues never has: no `crit` or `b64` header, the
 * signature only in its canonical base64url form, segments without padding or whitespace.
 */
export function verifyHs256Jwt(token: unknown, key: KeyObject, expect: Hs256JwtExpectations): Record<string, unknown> | undefined {
  if (typeof token !== 'string') return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1) return undefined;
  const encodedHeader = token.slice(0, first);
  const encodedPayload = token.slice(first + 1, second);
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload)) return undefined;

  // The signature first: nothing from an unauthenticated token is parsed beyond its header's alg.
  const header = parseObject(encodedHeader);
  if (header === undefined || header.alg !== 'HS256' || 'crit' in header || 'b64' in header) return undefined;
  const expected = crypto.createHmac('sha256', key).update(token.slice(0, second)).digest('base64url');
  const given = token.slice(second + 1);
  if (given.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return undefined;

  if (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(expect.typ)) return undefined;
  const claims = parseObject(encodedPayload);
  if (claims === undefined) return undefined;
  for (const claim of expect.requiredClaims) if (!Object.hasOwn(claims, claim)) return undefined;
  // A missing `iss` or `aud` fails these comparisons, as jose's presence check fails it.
  if (claims.iss !== expect.issuer) return undefined;
  const aud = claims.aud;
  if (!(aud === expect.audience || (Array.isArray(aud) && aud.includes(expect.audience)))) return undefined;

  const now = Math.floor(expect.nowMs / 1000);
  for (const claim of ['iat', 'nbf', 'exp']) if (claims[claim] !== undefined && typeof claims[claim] !== 'number') return undefined;
  if (typeof claims.nbf === 'number' && claims.nbf > now) return undefined;
  if (typeof claims.exp === 'number' && claims.exp <= now) return undefined;
  return claims;
}

/** A base64url segment holding a JSON object (a plain one, as jose's isObject), else undefined. */
function parseObject(segment: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return parsed as Record<string, unknown>;
}

/** jose's `typ` comparison: lower case, with `application/` prepended when there is no `/`. */
function normalizeTyp(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}
