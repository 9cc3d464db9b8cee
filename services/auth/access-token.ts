import crypto, { webcrypto, type KeyObject } from 'node:crypto';
import { AppError } from '../../shared/errors/app-error';
import { verifyHs256Jwt } from './hs256-jwt';
import { loadJose } from './jose';

// RFC 9068's media type for JWT access tokens; with the `token_use` claim it keeps any other JWT
// signed with the same key (an ID token, a future token kind) from passing as an access token.
const TYP = 'at+jwt';
const TOKEN_USE = 'access';
const ALG = 'HS256';

/**
 * Unix seconds of a Date.now()-style millisecond time: the unit of a JWT's iat/exp, and so of every
 * time the auth tables store (refresh token expiries, revocations, login failures).
 */
export const unixSeconds = (ms: number = Date.now()): number => Math.floor(ms / 1000);

/** What {@link AccessTokens} needs to sign and verify. */
export interface AccessTokenOptions {
  /** HS256 key, at least 32 characters. */
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** Who an access token was issued to. */
export interface AccessTokenSubject {
  userId: string;
  email: string;
}

/** The verified claims of an access token. */
export interface AccessTokenClaims extends AccessTokenSubject {
  jti: string;
  /** Unix seconds. */
  issuedAt: number;
  /** Unix seconds. */
  expiresAt: number;
}

/** A freshly issued access token. */
export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** The one message every verification failure gets: it says nothing about the token. */
export const INVALID_ACCESS_TOKEN = 'invalid or expired access token';

const REQUIRED_CLAIMS = ['sub', 'jti', 'iat', 'exp'];

/** Issues (with jose) and verifies (hs256-jwt.ts, checked against jose) HS256 JWT access tokens. */
export class AccessTokens {
  // A raw Uint8Array secret makes jose import a WebCrypto key on every sign, so the key is
  // imported once, here (bench/README.md has what that bought when jose still verified too).
  private readonly key: Promise<webcrypto.CryptoKey>;
  private readonly verifyKey: KeyObject;

  constructor(private readonly options: AccessTokenOptions) {
    this.verifyKey = crypto.createSecretKey(Buffer.from(options.secret, 'utf8'));
    this.key = webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(options.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
  }

  /** Lifetime of the tokens this issues (TokenPair.expires_in). */
  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /** Signs an access token for `subject`; `nowMs` lets tests issue tokens in the past. */
  async issue(subject: AccessTokenSubject, nowMs: number = Date.now()): Promise<IssuedAccessToken> {
    const { SignJWT } = await loadJose();
    const jti = crypto.randomUUID();
    const issuedAt = unixSeconds(nowMs);
    const expiresAt = issuedAt + this.options.ttlSeconds;
    const token = await new SignJWT({ email: subject.email, token_use: TOKEN_USE })
      .setProtectedHeader({ alg: ALG, typ: TYP })
      .setSubject(subject.userId)
      .setJti(jti)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(await this.key);
    return { token, jti, expiresAt };
  }

  /**
   * Verifies signature (HS256 only), `iss`, `aud`, `exp`, the `at+jwt` type and `token_use`.
   * Any failure is UNAUTHENTICATED with a generic message; the token is never echoed.
   */
  async verify(token: string, nowMs: number = Date.now()): Promise<AccessTokenClaims> {
    const payload = verifyHs256Jwt(token, this.verifyKey, {
      issuer: this.options.issuer,
      audience: this.options.audience,
      typ: TYP,
      requiredClaims: REQUIRED_CLAIMS,
      nowMs,
    });
    if (payload === undefined) throw new AppError('UNAUTHENTICATED', INVALID_ACCESS_TOKEN);
    const { sub, jti, iat, exp, email, token_use: tokenUse } = payload;
    if (
      tokenUse !== TOKEN_USE ||
      typeof sub !== 'string' ||
      typeof jti !== 'string' ||
      typeof email !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    ) {
      throw new AppError('UNAUTHENTICATED', INVALID_ACCESS_TOKEN);
    }
    return { userId: sub, email, jti, issuedAt: iat, expiresAt: exp };
  }
}
