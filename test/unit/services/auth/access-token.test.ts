import crypto from 'node:crypto';
import { expect } from 'chai';
import { AppError } from '../../../../shared/errors/app-error';
import { AccessTokens, INVALID_ACCESS_TOKEN, type AccessTokenOptions } from '../../../../services/auth/access-token';
import { loadJose } from '../../../../services/auth/jose';

const OPTIONS: AccessTokenOptions = {
  secret: 'test-secret-test-secret-test-secret-0123',
  issuer: 'test-issuer',
  audience: 'test-audience',
  ttlSeconds: 900,
};
const SUBJECT = { userId: crypto.randomUUID(), email: 'ada@example.com' };
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Asserts `promise` rejects with UNAUTHENTICATED and the generic message (never the token). */
async function expectRejected(promise: Promise<unknown>, token: string): Promise<void> {
  const err = await promise.then(
    () => expect.fail('token was accepted'),
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(AppError);
  expect((err as AppError).code).to.equal('UNAUTHENTICATED');
  expect((err as AppError).message).to.equal(INVALID_ACCESS_TOKEN);
  expect((err as AppError).message).to.not.include(token);
}

/** Claims a genuine access token would carry, for hand-made tokens. */
function genuineClaims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: SUBJECT.userId,
    email: SUBJECT.email,
    jti: crypto.randomUUID(),
    iss: OPTIONS.issuer,
    aud: OPTIONS.audience,
    iat: now,
    exp: now + 900,
    token_use: 'access',
  };
}

/** Signs `claims` with the service's key and the given header (HS* only). */
async function signWith(claims: Record<string, unknown>, header: { alg: string; typ?: string }, secret = OPTIONS.secret) {
  const { SignJWT } = await loadJose();
  return new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(secret));
}

describe('auth access tokens (HS256 JWT)', () => {
  const tokens = new AccessTokens(OPTIONS);

  it('issues a token that verifies, with the expected claims and header', async () => {
    const before = Math.floor(Date.now() / 1000);
    const issued = await tokens.issue(SUBJECT);
    const claims = await tokens.verify(issued.token);
    expect(claims.userId).to.equal(SUBJECT.userId);
    expect(claims.email).to.equal(SUBJECT.email);
    expect(claims.jti).to.equal(issued.jti).and.match(/^[0-9a-f-]{36}$/);
    expect(claims.expiresAt).to.equal(issued.expiresAt);
    expect(claims.expiresAt - claims.issuedAt).to.equal(900);
    expect(claims.issuedAt).to.be.within(before, before + 2);

    const [header, payload] = issued.token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).to.deep.equal({ alg: 'HS256', typ: 'at+jwt' });
    expect(payload).to.include({ iss: 'test-issuer', aud: 'test-audience', token_use: 'access', sub: SUBJECT.userId });
  });

  it('gives every token its own jti', async () => {
    const a = await tokens.issue(SUBJECT);
    const b = await tokens.issue(SUBJECT);
    expect(a.jti).to.not.equal(b.jti);
  });

  it('rejects an expired token', async () => {
    const issued = await tokens.issue(SUBJECT, Date.now() - 901_000);
    await expectRejected(tokens.verify(issued.token), issued.token);
    // The same token was valid while it lived.
    const claims = await tokens.verify(issued.token, Date.now() - 500_000);
    expect(claims.userId).to.equal(SUBJECT.userId);
  });

  it('rejects a token whose payload was tampered with', async () => {
    const { token } = await tokens.issue(SUBJECT);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = [header, b64url({ ...claims, sub: crypto.randomUUID() }), signature].join('.');
    await expectRejected(tokens.verify(forged), forged);
  });

  it('rejects a token signed with another key', async () => {
    const other = new AccessTokens({ ...OPTIONS, secret: 'another-secret-another-secret-another-0' });
    const { token } = await other.issue(SUBJECT);
    await expectRejected(tokens.verify(token), token);
  });

  it('rejects alg "none"', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(genuineClaims())}.`;
    await expectRejected(tokens.verify(unsigned), unsigned);
  });

  it('rejects other algorithms, even with the right key (the algorithm is pinned)', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const token = await signWith(genuineClaims(), { alg, typ: 'at+jwt' });
      await expectRejected(tokens.verify(token), token);
    }
  });

  it('accepts a hand-made token with every genuine claim (so the rejections below are about one claim)', async () => {
    const token = await signWith(genuineClaims(), { alg: 'HS256', typ: 'at+jwt' });
    expect((await tokens.verify(token)).userId).to.equal(SUBJECT.userId);
  });

  it('rejects a wrong issuer or audience', async () => {
    const wrongIss = await new AccessTokens({ ...OPTIONS, issuer: 'someone-else' }).issue(SUBJECT);
    await expectRejected(tokens.verify(wrongIss.token), wrongIss.token);
    const wrongAud = await new AccessTokens({ ...OPTIONS, audience: 'another-api' }).issue(SUBJECT);
    await expectRejected(tokens.verify(wrongAud.token), wrongAud.token);
  });

  it('rejects a JWT signed with the key that does not say it is an access token', async () => {
    const { token_use: _omit, ...withoutUse } = genuineClaims();
    const cases = [
      await signWith(withoutUse, { alg: 'HS256', typ: 'at+jwt' }),
      await signWith({ ...genuineClaims(), token_use: 'refresh' }, { alg: 'HS256', typ: 'at+jwt' }),
      await signWith(genuineClaims(), { alg: 'HS256', typ: 'JWT' }),
      await signWith(genuineClaims(), { alg: 'HS256' }),
    ];
    for (const token of cases) await expectRejected(tokens.verify(token), token);
  });

  it('rejects a token missing sub, jti or email', async () => {
    for (const claim of ['sub', 'jti', 'email']) {
      const claims = genuineClaims();
      delete claims[claim];
      const token = await signWith(claims, { alg: 'HS256', typ: 'at+jwt' });
      await expectRejected(tokens.verify(token), token);
    }
  });

  it('rejects garbage', async () => {
    for (const token of ['', 'abc', 'a.b.c', 'x'.repeat(5000)]) await expectRejected(tokens.verify(token), token || 'nothing');
  });
});
