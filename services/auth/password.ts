import crypto from 'node:crypto';

// @node-rs/argon2 allocates each hash's memory with its bundled mimalloc, which by default keeps
// freed memory in the libuv worker thread that hashed until that thread allocates again, so after
// a burst of logins the auth service would hold on to the hashes' memory for good. Purging freed
// memory at once gives it back to the system for a little more CPU per hash (bench/README.md has
// the figures). mimalloc reads MIMALLOC_PURGE_DELAY once, when the addon loads: so this module sets
// it and only then loads the addon, with a require below the assignment (an import statement
// would be evaluated before any code of this module). A value set outside wins.
process.env.MIMALLOC_PURGE_DELAY ??= '0';
const argon2Addon = require('@node-rs/argon2') as typeof import('@node-rs/argon2');

// argon2id at OWASP's first-choice setting (m=19 MiB, t=2, p=1): an order of magnitude cheaper
// than the scrypt N=2^17 it replaced, so a burst of logins fits within the callers' deadline
// (bench/README.md has the times). The parameters are stored in every hash:
// raising them later makes needsRehash() true for older hashes, and Login upgrades those on the
// next success.
/** The memory one hash or check takes, in KiB. */
export const ARGON2_MEMORY_KIB = 19_456;
const ARGON2_TIME_COST = 2;
const ARGON2_PARALLELISM = 1;
const ARGON2_SALT_BYTES = 16;
const ARGON2_KEY_BYTES = 32;
const ARGON2_VERSION = 19;

// Bounds on parameters read from a stored hash, so a corrupted or planted row cannot ask for
// gigabytes of memory or minutes of CPU: the largest allowed is a slow check, not an outage.
const ARGON2_MAX_MEMORY_KIB = 256 * 1024;
const ARGON2_MAX_TIME_COST = 10;
const ARGON2_MAX_PARALLELISM = 8;

// Legacy hashes: scrypt$<log2 N>$<r>$<p>$<salt>$<key>, written before argon2id (N=2^17, r=8,
// p=1). They are only verified now, and replaced by argon2id at the user's next login.
const SCRYPT_PREFIX = 'scrypt';
const SCRYPT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;

interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

const CURRENT_ARGON2: Readonly<Argon2Params> = {
  memoryKib: ARGON2_MEMORY_KIB,
  timeCost: ARGON2_TIME_COST,
  parallelism: ARGON2_PARALLELISM,
};

interface DecodedArgon2 {
  params: Argon2Params;
  salt: Buffer;
  key: Buffer;
}

interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

interface DecodedScrypt {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const argon2id = (password: string, salt: Buffer, keyLength: number, params: Argon2Params): Promise<Buffer> =>
  argon2Addon.hashRaw(password, {
    algorithm: argon2Addon.Algorithm.Argon2id,
    memoryCost: params.memoryKib,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    outputLen: keyLength,
    salt,
  });

/** PHC string format, as argon2's reference implementation and other libraries write it. */
function encodeArgon2(params: Argon2Params, salt: Buffer, key: Buffer): string {
  const b64 = (buf: Buffer) => buf.toString('base64').replace(/=+$/, '');
  return `$argon2id$v=${ARGON2_VERSION}$m=${params.memoryKib},t=${params.timeCost},p=${params.parallelism}$${b64(salt)}$${b64(key)}`;
}

/** Unpadded base64 (PHC's B64) to bytes; undefined unless `text` is its canonical encoding. */
function fromPhcBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64').replace(/=+$/, '') === text ? buf : undefined;
}

const ARGON2_PHC = /^\$argon2id\$v=(\d+)\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$([^$]+)\$([^$]+)$/;

/** Parses an argon2id PHC string; undefined when it is malformed or its parameters are out of bounds. */
function decodeArgon2(encoded: string): DecodedArgon2 | undefined {
  const match = ARGON2_PHC.exec(encoded);
  if (!match || Number(match[1]) !== ARGON2_VERSION) return undefined;
  const [memoryKib, timeCost, parallelism] = [match[2], match[3], match[4]].map(Number) as [number, number, number];
  if (parallelism < 1 || parallelism > ARGON2_MAX_PARALLELISM) return undefined;
  if (timeCost < 1 || timeCost > ARGON2_MAX_TIME_COST) return undefined;
  // Argon2 itself requires 8 KiB per lane; below that the binding would throw.
  if (memoryKib < 8 * parallelism || memoryKib > ARGON2_MAX_MEMORY_KIB) return undefined;
  const salt = fromPhcBase64(match[5] ?? '');
  const key = fromPhcBase64(match[6] ?? '');
  // A short key would let a wrong password match by chance far more often than 2^-128.
  if (!salt || !key || salt.length < 8 || salt.length > 64 || key.length < 16 || key.length > 64) return undefined;
  return { params: { memoryKib, timeCost, parallelism }, salt, key };
}

function scrypt(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  return new Promise((resolve, reject) =>
    crypto.scrypt(
      password,
      salt,
      keyLength,
      { N, r: params.r, p: params.p, maxmem: SCRYPT_MAX_MEMORY_BYTES + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** Parses a legacy scrypt hash; undefined when it is malformed or its parameters are out of bounds. */
function decodeScrypt(encoded: string): DecodedScrypt | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== SCRYPT_PREFIX) return undefined;
  const [log2N, r, p] = parts.slice(1, 4).map((v) => (/^\d{1,3}$/.test(v ?? '') ? Number(v) : NaN));
  // Bounds keep a corrupted row from asking for gigabytes of memory or minutes of CPU.
  if (!log2N || log2N < 10 || log2N > 22 || !r || r > 32 || !p || p > 16) return undefined;
  if (128 * 2 ** log2N * r > SCRYPT_MAX_MEMORY_BYTES) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 16 || key.length < 32 || key.length > 128) return undefined;
  return { params: { log2N, r, p }, salt, key };
}

/** Hashes a password with argon2id, a fresh random salt and the current parameters (a PHC string). */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(ARGON2_SALT_BYTES);
  const key = await argon2id(password, salt, ARGON2_KEY_BYTES, CURRENT_ARGON2);
  return encodeArgon2(CURRENT_ARGON2, salt, key);
}

/** True when `password` matches `encoded` (argon2id PHC or legacy scrypt); false for a wrong password or a bad hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const argon2 = decodeArgon2(encoded);
  if (argon2) {
    const candidate = await argon2id(password, argon2.salt, argon2.key.length, argon2.params);
    return crypto.timingSafeEqual(candidate, argon2.key);
  }
  const legacy = decodeScrypt(encoded);
  if (legacy) {
    const candidate = await scrypt(password, legacy.salt, legacy.key.length, legacy.params);
    return crypto.timingSafeEqual(candidate, legacy.key);
  }
  return false;
}

/** True unless `encoded` is an argon2id hash made with exactly the current parameters. */
export function needsRehash(encoded: string): boolean {
  const decoded = decodeArgon2(encoded);
  return (
    !decoded ||
    decoded.params.memoryKib !== CURRENT_ARGON2.memoryKib ||
    decoded.params.timeCost !== CURRENT_ARGON2.timeCost ||
    decoded.params.parallelism !== CURRENT_ARGON2.parallelism ||
    decoded.salt.length !== ARGON2_SALT_BYTES ||
    decoded.key.length !== ARGON2_KEY_BYTES
  );
}

/**
 * A well-formed argon2id hash with the current parameters that no password matches (an all-zero
 * key is not a realistic output). Checking against it costs the same as a real check.
 */
export const DUMMY_PASSWORD_HASH = encodeArgon2(
  CURRENT_ARGON2,
  Buffer.alloc(ARGON2_SALT_BYTES),
  Buffer.alloc(ARGON2_KEY_BYTES),
);

/**
 * Spends the time of a real password check and returns false. Login calls it for an unknown
 * email, so response time does not tell whether an email is registered.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_PASSWORD_HASH);
  return false;
}
