import crypto from 'node:crypto';
import { expect } from 'chai';
import { verifyHs256Jwt, type Hs256JwtExpectations } from '../../../../services/auth/hs256-jwt';
import { loadJose } from '../../../../services/auth/jose';

// The differential test of services/auth/hs256-jwt.ts: every token goes through it and through
// jose's jwtVerify with the same expectations, and the two must agree on accept/reject and on
// the claims. The few tokens that jose accepts and this rejects are listed, each for a reason.

const SECRET = 'differential-secret-differential-secret-0123';
const OTHER_SECRET = 'another-secret-another-secret-another-9876';
const NOW_MS = Date.UTC(2026, 11, 1, 12, 0, 0);
const NOW = Math.floor(NOW_MS / 1000);
const EXPECT: Hs256JwtExpectations = { issuer: 'test-issuer', audience: 'test-audience', typ: 'at+jwt', requiredClaims: ['sub', 'jti', 'iat', 'exp'], nowMs: NOW_MS };
const KEY = crypto.createSecretKey(Buffer.from(SECRET));

const seg = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const mac = (input: string, secret = SECRET, hash = 'sha256') => crypto.createHmac(hash, secret).update(input).digest('base64url');
/** A token from raw header and claims (objects or JSON text), signed over exactly those segments. */
const sign = (header: unknown, claims: unknown, secret = SECRET, hash = 'sha256') => {
  const input = `${seg(header)}.${seg(claims)}`;
  return `${input}.${mac(input, secret, hash)}`;
};

const HEADER = { alg: 'HS256', typ: 'at+jwt' };
const claims = (over: Record<string, unknown> = {}) => {
  const base: Record<string, unknown> = { sub: 'user-1', email: 'ada@example.com', token_use: 'access', jti: 'jti-1', iss: 'test-issuer', aud: 'test-audience', iat: NOW - 10, exp: NOW + 900 };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
};
const flipLast = (token: string) => token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');

async function joseToken(alg: string, header: Record<string, unknown> = { typ: 'at+jwt' }): Promise<string> {
  const { SignJWT } = await loadJose();
  return new SignJWT({ email: 'ada@example.com', token_use: 'access' })
    .setProtectedHeader({ alg, ...header })
    .setSubject('user-1')
    .setJti('jti-2')
    .setIssuer('test-issuer')
    .setAudience('test-audience')
    .setIssuedAt(NOW - 5)
    .setExpirationTime(NOW + 60)
    .sign(new TextEncoder().encode(SECRET));
}

/** [name, token]: tokens both verifiers must treat alike. */
async function cases(): Promise<Array<[string, unknown]>> {
  const valid = sign(HEADER, claims());
  const [encH, encP, sig] = valid.split('.') as [string, string, string];
  const payloadBytes = Buffer.from(JSON.stringify(claims()));
  const withBadUtf8 = Buffer.concat([payloadBytes.subarray(0, -1), Buffer.from([0xff, 0x7d])]).toString('base64url');
  return [
    ['a valid token signed by jose', await joseToken('HS256')],
    ['a valid hand-made token', valid],
    ['typ application/at+jwt', sign({ alg: 'HS256', typ: 'application/at+jwt' }, claims())],
    ['typ in upper case', sign({ alg: 'HS256', typ: 'AT+JWT' }, claims())],
    ['an extra header parameter (kid)', sign({ ...HEADER, kid: 'k1' }, claims())],
    ['aud as an array holding ours', sign(HEADER, claims({ aud: ['other', 'test-audience'] }))],
    ['nbf now', sign(HEADER, claims({ nbf: NOW }))],
    ['exp one second ahead', sign(HEADER, claims({ exp: NOW + 1 }))],
    ['extra claims', sign(HEADER, claims({ scope: 'a b', n: 1 }))],
    ['typ missing', sign({ alg: 'HS256' }, claims())],
    ['typ JWT', sign({ alg: 'HS256', typ: 'JWT' }, claims())],
    ['typ not a string', sign({ alg: 'HS256', typ: 1 }, claims())],
    ['alg HS384 (signed with HS384)', await joseToken('HS384')],
    ['alg HS512 (signed with HS512)', sign({ alg: 'HS512', typ: 'at+jwt' }, claims(), SECRET, 'sha512')],
    ['alg HS256 in the header, signed with HS512', sign(HEADER, claims(), SECRET, 'sha512')],
    ['alg none, no signature', `${seg({ alg: 'none', typ: 'at+jwt' })}.${seg(claims())}.`],
    ['alg missing', sign({ typ: 'at+jwt' }, claims())],
    ['alg in lower case', sign({ alg: 'hs256', typ: 'at+jwt' }, claims())],
    ['signed with another secret', sign(HEADER, claims(), OTHER_SECRET)],
    ['payload changed after signing', `${encH}.${seg(claims({ sub: 'user-2' }))}.${sig}`],
    ['header changed after signing', `${seg({ ...HEADER, kid: 'x' })}.${encP}.${sig}`],
    ['signature changed', flipLast(valid)],
    ['signature empty', `${encH}.${encP}.`],
    ['signature truncated', valid.slice(0, -2)],
    ['signature of the wrong length', `${encH}.${encP}.${sig}AAAA`],
    ['two segments', `${encH}.${encP}`],
    ['four segments', `${valid}.${sig}`],
    ['empty string', ''],
    ['three dots only', '..'],
    ['not a string', 42],
    ['exp now (expired)', sign(HEADER, claims({ exp: NOW }))],
    ['exp in the past', sign(HEADER, claims({ exp: NOW - 3600 }))],
    ['exp a string', sign(HEADER, claims({ exp: String(NOW + 900) }))],
    ['exp missing', sign(HEADER, claims({ exp: undefined }))],
    ['nbf in the future', sign(HEADER, claims({ nbf: NOW + 1 }))],
    ['nbf a string', sign(HEADER, claims({ nbf: String(NOW) }))],
    ['iat a string', sign(HEADER, claims({ iat: String(NOW) }))],
    ['iat missing', sign(HEADER, claims({ iat: undefined }))],
    ['iss another', sign(HEADER, claims({ iss: 'evil' }))],
    ['iss missing', sign(HEADER, claims({ iss: undefined }))],
    ['aud another', sign(HEADER, claims({ aud: 'other' }))],
    ['aud an array without ours', sign(HEADER, claims({ aud: ['a', 'b'] }))],
    ['aud missing', sign(HEADER, claims({ aud: undefined }))],
    ['aud an object', sign(HEADER, claims({ aud: { 'test-audience': true } }))],
    ['sub missing', sign(HEADER, claims({ sub: undefined }))],
    ['jti missing', sign(HEADER, claims({ jti: undefined }))],
    ['claims an array', sign(HEADER, [claims()])],
    ['claims null', sign(HEADER, 'null')],
    ['claims a number', sign(HEADER, '42')],
    ['claims not JSON', sign(HEADER, '{"sub":')],
    ['claims with invalid UTF-8', `${encH}.${withBadUtf8}.${mac(`${encH}.${withBadUtf8}`)}`],
    ['header an array', sign([HEADER], claims())],
    ['header not JSON', sign('{"alg":"HS256"', claims())],
    ['crit naming an unknown extension', sign({ ...HEADER, crit: ['exp'], exp: 1 }, claims())],
    ['crit empty', sign({ ...HEADER, crit: [] }, claims())],
    ['b64 false (unencoded payload)', sign({ ...HEADER, crit: ['b64'], b64: false }, claims())],
    ['non-ASCII in the claims segment', `${encH}.${encP}é.${sig}`],
    ['a space inside', `${encH}.${encP.slice(0, 4)} ${encP.slice(4)}.${sig}`],
  ];
}

/** Tokens jose accepts and hs256-jwt rejects on purpose: forms this service never issues. */
function stricterCases(): Array<[string, string]> {
  const valid = sign(HEADER, claims());
  const [encH, encP, sig] = valid.split('.') as [string, string, string];
  const lastBits = 'AEIMQUYcgkosw048'; // base64url characters whose low 2 bits are 0
  const last = sig.at(-1)!;
  const nonCanonical = sig.slice(0, -1) + (lastBits.includes(last) ? String.fromCharCode(last.charCodeAt(0) + 1) : last);
  return [
    ['crit b64 with b64 true', sign({ ...HEADER, crit: ['b64'], b64: true }, claims())],
    ['b64 true without crit', sign({ ...HEADER, b64: true }, claims())],
    ['the signature padded with =', `${encH}.${encP}.${sig}=`],
    ['the signature in a non-canonical encoding (same bytes)', `${encH}.${encP}.${nonCanonical}`],
  ];
}

async function joseVerify(token: unknown): Promise<Record<string, unknown> | undefined> {
  const { jwtVerify } = await loadJose();
  try {
    const { payload } = await jwtVerify(token as string, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      issuer: EXPECT.issuer,
      audience: EXPECT.audience,
      typ: EXPECT.typ,
      requiredClaims: [...EXPECT.requiredClaims],
      currentDate: new Date(EXPECT.nowMs),
    });
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe('auth/hs256-jwt: synchronous HS256 verification, against jose', () => {
  let all: Array<[string, unknown]>;
  before(async () => {
    all = await cases();
  });

  it('agrees with jose on every token of the corpus (accepts the same, with the same claims)', async () => {
    let accepted = 0;
    for (const [name, token] of all) {
      const ours = verifyHs256Jwt(token, KEY, EXPECT);
      const theirs = await joseVerify(token);
      expect(ours, name).to.deep.equal(theirs);
      if (ours) accepted++;
    }
    // Both kinds are in the corpus: a corpus jose rejects wholesale would prove nothing.
    expect(accepted).to.equal(9);
    expect(all.length - accepted).to.be.greaterThan(45);
  });

  it('rejects the forms this service never issues, which jose lets through', async () => {
    for (const [name, token] of stricterCases()) {
      expect(await joseVerify(token), `jose, ${name}`).to.not.equal(undefined);
      expect(verifyHs256Jwt(token, KEY, EXPECT), name).to.equal(undefined);
    }
  });

  it('checks exp and nbf against the time it is given, in whole seconds', () => {
    const token = sign(HEADER, claims({ exp: NOW + 2, nbf: NOW + 1 }));
    expect(verifyHs256Jwt(token, KEY, { ...EXPECT, nowMs: NOW_MS })).to.equal(undefined);
    expect(verifyHs256Jwt(token, KEY, { ...EXPECT, nowMs: NOW_MS + 1000 })).to.include({ sub: 'user-1' });
    expect(verifyHs256Jwt(token, KEY, { ...EXPECT, nowMs: NOW_MS + 1999 })).to.include({ sub: 'user-1' });
    expect(verifyHs256Jwt(token, KEY, { ...EXPECT, nowMs: NOW_MS + 2000 })).to.equal(undefined);
  });
});
