import crypto from 'node:crypto';

// scrypt at OWASP's strongest listed setting (N=2^17, r=8, p=1): about 128 MiB and a few hundred
// milliseconds per hash. The parameters are stored in every hash so they can be raised later
// without invalidating existing ones.
const LOG2_N = 17;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 64;
const MAXMEM_BYTES = 256 * 1024 * 1024;
const PREFIX = 'scrypt';

/** The scrypt cost parameters of a hash. */
export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

/** The parameters new hashes are made with. */
export const CURRENT_PARAMS: Readonly<ScryptParams> = { log2N: LOG2_N, r: R, p: P };

function scrypt(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  // scrypt needs 128*N*r bytes; leave headroom so raised parameters still fit.
  const maxmem = Math.max(MAXMEM_BYTES, 2 * 128 * N * params.r);
  return new Promise((resolve, reject) =>
    crypto.scrypt(password, salt, keyLength, { N, r: params.r, p: params.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Encodes a hash as `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`. */
function encode(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return [PREFIX, params.log2N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

interface DecodedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

/** Parses an encoded hash; undefined when it is malformed or its parameters are out of bounds. */
function decode(encoded: string): DecodedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [log2N, r, p] = parts.slice(1, 4).map((v) => (/^\d{1,3}$/.test(v ?? '') ? Number(v) : NaN));
  // Bounds keep a corrupted row from asking for gigabytes of memory or minutes of CPU.
  if (!log2N || log2N < 10 || log2N > 22 || !r || r > 32 || !p || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 16 || hash.length < 32 || hash.length > 128) return undefined;
  return { params: { log2N, r, p }, salt, hash };
}

/** Hashes a password with a fresh random salt and the current parameters. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const hash = await scrypt(password, salt, KEY_BYTES, CURRENT_PARAMS);
  return encode(CURRENT_PARAMS, salt, hash);
}

/** True when `password` matches `encoded`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const decoded = decode(encoded);
  if (!decoded) return false;
  const candidate = await scrypt(password, decoded.salt, decoded.hash.length, decoded.params);
  return crypto.timingSafeEqual(candidate, decoded.hash);
}

/** The parameters an encoded hash was made with, or undefined when it is malformed. */
export function hashParams(encoded: string): ScryptParams | undefined {
  return decode(encoded)?.params;
}

/**
 * A well-formed hash with the current parameters that no password matches (an all-zero key is
 * not a realistic scrypt output). Checking against it costs the same as a real check.
 */
export const DUMMY_PASSWORD_HASH = encode(CURRENT_PARAMS, Buffer.alloc(SALT_BYTES), Buffer.alloc(KEY_BYTES));

/**
 * Spends the time of a real password check and returns false. Login calls it for an unknown
 * email, so response time does not tell whether an email is registered.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_PASSWORD_HASH);
  return false;
}
